package jlens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The audit every captured output goes through has teeth: the token it greps for is planted in this JVM's
 * environment (by the pom, and so in every child JVM a test starts), and an output showing it, or one line of a
 * token, fails.
 */
class OutputAuditTest {
    @Test
    void theTokenIsPlantedInTheSuitesEnvironment() {
        String planted = System.getenv(OutputAudit.PLANTED_TOKEN_VARIABLE);
        assertTrue(planted != null && planted.startsWith("hf_") && planted.length() >= 20,
                "the pom plants HF_TOKEN for every test JVM; without it the audit greps for nothing: " + planted);
        assertEquals(planted, jlens.store.StoreEnv.fromSystem().token(), "and jlens takes it as the token it would send");
    }

    @Test
    void anOutputShowingTheTokenFails() {
        String planted = System.getenv(OutputAudit.PLANTED_TOKEN_VARIABLE);
        assertThrows(AssertionError.class, () -> OutputAudit.check("error: invalid header \"Bearer " + planted + "\""));
        assertThrows(AssertionError.class, () -> OutputAudit.checkSecrets("x secondPartOfIt y", "hf_first\nsecondPartOfIt"));
        assertEquals("no secret here\n", OutputAudit.check("no secret here\n"));
    }

    @Test
    void anOutputThatWouldDriveTheTerminalFails() {
        assertThrows(AssertionError.class, () -> OutputAudit.check("a\u001b[2Jb"));
        assertThrows(AssertionError.class, () -> OutputAudit.check("zero\u200bwidth"));
        assertEquals("\u001b[31mred\u001b[0m", OutputAudit.check("\u001b[31mred\u001b[0m"), "jlens's own colours pass");
    }
}
