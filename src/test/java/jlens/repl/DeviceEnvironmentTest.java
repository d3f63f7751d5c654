package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jlens.sys.Environment;
import org.junit.jupiter.api.Test;

/**
 * {@code JLENS_DEVICE} and {@code JLENS_DTYPE} (a JShell session's device and dtype): a word the loader does not know
 * is said at start by {@link Environment} and left out; words it knows but the engine cannot use here fall back to the
 * defaults with one line, instead of refusing every {@code load} of the session.
 */
class DeviceEnvironmentTest {
    private static Models.Options options(Map<String, String> env, List<String> said) {
        return Models.Options.from(Environment.of(env), said);
    }

    @Test
    void wordsTheEngineCannotUseFallBackToTheDefaultsInOneLine() {
        List<String> said = new ArrayList<>();
        Models.Options o = options(Map.of("JLENS_DEVICE", "cpu", "JLENS_DTYPE", "f16"), said);
        assertNull(o.device());
        assertNull(o.dtype());
        assertEquals(1, said.size(), said.toString());
        assertTrue(said.get(0).startsWith("JLENS_DEVICE=cpu, JLENS_DTYPE=f16: dtype f16 needs a GPU")
                && said.get(0).endsWith("using the defaults (auto, f32)"), said.get(0));
        o.loadOptions(); // the fallback loads
    }

    @Test
    void unknownWordsAreLeftOutAndUsableOnesKept() {
        List<String> said = new ArrayList<>();
        Models.Options o = options(Map.of("JLENS_DEVICE", "tpu\u001b[2J", "JLENS_DTYPE", "F32"), said);
        assertNull(o.device(), "not a device word: said at start by Environment, then auto");
        assertEquals("f32", o.dtype());
        assertEquals(List.of(), said);
        o.loadOptions();
        assertEquals("cpu", options(Map.of("JLENS_DEVICE", " CPU "), said).device());
        assertEquals(List.of(), said);
    }
}
