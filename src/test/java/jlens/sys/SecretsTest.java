package jlens.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A token is never shown: masked in any text, and each of its lines too; a bad token is refused without a quote. */
class SecretsTest {
    @Test
    void aTokenAndItsLinesAreMasked() {
        Secrets.remember("hf_maskedFirstPart\nmaskedSecondPart");
        String m = Secrets.redact("invalid header value: \"Bearer hf_maskedFirstPart\nmaskedSecondPart\" and maskedSecondPart");
        assertFalse(m.contains("maskedFirstPart") || m.contains("maskedSecondPart"), m);
        assertTrue(m.contains(Secrets.MASK), m);
        assertEquals("short words stay", Secrets.redact("short words stay"));
    }

    @Test
    void aTokenALineBreakWouldSplitIsRefusedWithoutBeingQuoted() {
        Environment e = Environment.of(Map.of("HF_TOKEN", "hf_refusedPart\nsecondRefusedPart"));
        assertTrue(e.token().isEmpty());
        String line = String.join("\n", e.problems());
        assertTrue(line.startsWith("HF_TOKEN holds a line break") && line.contains("not sent"), line);
        assertFalse(line.contains("RefusedPart"), line);
        assertEquals("hf_fine", Environment.of(Map.of("HF_TOKEN", " hf_fine\n")).token().orElseThrow(), "surrounding space is dropped");
    }

    @Test
    void aProxyPasswordIsASecretToo() {
        Environment e = Environment.of(Map.of("HTTPS_PROXY", "http://me:proxyPassword9@:bad"));
        e.problems();
        assertFalse(String.join(" ", e.problems()).contains("proxyPassword9"), e.problems().toString());
    }
}
