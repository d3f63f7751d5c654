package jlens.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import jlens.model.Gpt2;
import jlens.store.KnownCircuits;
import jlens.store.KnownHead;
import jlens.store.KnownModelWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The selftest's checks can fail: told the wrong wiring, they say FAIL with the numbers that show it. */
class SelfTestTest {
    @TempDir
    static Path dir;

    @Test
    void aWrongWiringFailsTheChecksThatDependOnIt() throws Exception {
        KnownModelWriter.write(dir);
        KnownCircuits real = KnownCircuits.read(dir);
        // claim the idle head 1.1 is the induction head
        KnownCircuits wrong = new KnownCircuits(real.firstToken(), real.previousToken(), real.duplicateToken(),
                real.currentToken(), new KnownHead(1, 1));
        try (Gpt2 model = Gpt2.load(dir)) {
            SelfTestReport good = SelfTest.run(model, real);
            assertTrue(good.passed(), good.checks().toString());
            SelfTestReport bad = SelfTest.run(model, wrong);
            assertFalse(bad.passed());
            List<String> failed = bad.checks().stream().filter(c -> !c.passed()).map(SelfTestCheck::line).toList();
            assertEquals(6, bad.failures(), failed.toString());
            assertTrue(failed.get(0).startsWith("FAIL detect induction: expected 1.1 first"), failed.get(0));
            assertTrue(failed.get(1).startsWith("FAIL zeroing the induction head collapses copying"), failed.get(1));
            assertTrue(failed.get(2).startsWith("FAIL patching finds the wired path"), failed.get(2));
            assertTrue(failed.get(3).startsWith("FAIL DLA conserves and credits the induction head"), failed.get(3));
            assertTrue(failed.get(4).startsWith("FAIL path patching finds the K-composition 0.1 -> 1.1"), failed.get(4));
            assertTrue(failed.get(5).startsWith("FAIL EAP-IG's top edges keep a0.h1->a1.h1<k>"), failed.get(5));
        }
    }
}
