package jlens.robust;

import jlens.OutputAudit;

/** A child's output checked for a token it was given besides the suite's planted one. */
final class OutputAuditSecrets {
    private OutputAuditSecrets() {}

    static void check(ChildJvm.Child c, String token) {
        OutputAudit.checkSecrets(c.out(), token);
        OutputAudit.checkSecrets(c.err(), token);
    }
}
