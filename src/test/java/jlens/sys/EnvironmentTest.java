package jlens.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each environment value checked in one place, one line per bad one, and a usable value instead. */
class EnvironmentTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private static List<String> problems(String name, String value) {
        return Environment.of(Map.of(name, value)).problems();
    }

    @Test
    void threadsAreBoundedToFourPerCore() {
        for (String bad : List.of("0", "-1", "abc", "100000", "1.5", "99999999999", "0x10")) {
            Environment e = Environment.of(Map.of("JLENS_THREADS", bad));
            assertEquals(CORES, e.threads(null), bad);
            List<String> p = e.problems();
            assertEquals(1, p.size(), bad + ": " + p);
            assertTrue(p.get(0).startsWith("JLENS_THREADS=" + bad + " is not a thread count within 1.." + 4 * CORES), p.get(0));
        }
        assertEquals(1, Environment.of(Map.of("JLENS_THREADS", " 1 ")).threads(null));
        assertEquals(4 * CORES, Environment.of(Map.of("JLENS_THREADS", Integer.toString(4 * CORES))).threads(null));
        assertEquals(2, Environment.of(Map.of()).threads("2"), "the launcher's property, when valid");
        assertEquals(CORES, Environment.of(Map.of()).threads("0"));
    }

    @Test
    void anEndpointMustBeAnHttpAddress() {
        for (String bad : List.of("::not a uri", "ftp://hub", "huggingface.co", "https://", "https://user:pw@hub.example",
                "https://hub.example/?q=1")) {
            Environment e = Environment.of(Map.of("HF_ENDPOINT", bad));
            assertTrue(e.endpoint("https://huggingface.co").isEmpty(), bad);
            assertEquals(1, e.problems().size(), bad);
            assertTrue(e.problems().get(0).startsWith("HF_ENDPOINT="), e.problems().get(0));
        }
        assertEquals("https://hub.example/mirror", Environment.of(Map.of("HF_ENDPOINT", "https://hub.example/mirror//"))
                .endpoint("https://huggingface.co").orElseThrow().toString());
    }

    @Test
    void relativeXdgFoldersAreIgnoredAsTheSpecSays() {
        Environment e = Environment.of(Map.of("XDG_CACHE_HOME", "cache", "HOME", "/home/u"));
        assertTrue(e.absoluteFolder("XDG_CACHE_HOME").isEmpty());
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).contains("not an absolute path; ignored"), e.problems().get(0));
        assertEquals(Path.of("/home/u/c"), Environment.of(Map.of("XDG_CACHE_HOME", "~/c", "HOME", "/home/u"))
                .absoluteFolder("XDG_CACHE_HOME").orElseThrow());
        assertEquals(List.of(), problems("XDG_CACHE_HOME", "/abs"));
    }

    @Test
    void deviceAndDtypeAreWordsTheLoaderKnows() {
        for (String bad : List.of("gpu0", "tpu", "gpu:", "gpu:-1", "gpu:99999", "cpu\u001b[2J", "mps", "0")) {
            Environment e = Environment.of(Map.of("JLENS_DEVICE", bad));
            assertEquals(null, e.device(), bad);
            assertEquals(1, e.problems().size(), bad);
            assertTrue(e.problems().get(0).startsWith("JLENS_DEVICE=") && e.problems().get(0).contains("is not a device (auto,"
                    + " cpu, gpu or gpu:N); using auto"), e.problems().get(0));
        }
        for (String bad : List.of("bf16", "float64", "int8", "f 32", "")) {
            Environment e = Environment.of(Map.of("JLENS_DTYPE", bad + "x"));
            assertEquals(null, e.dtype(), bad);
            assertTrue(e.problems().get(0).contains("is not a dtype (f32 or f16); using f32"), e.problems().get(0));
        }
        assertEquals("gpu:1", Environment.of(Map.of("JLENS_DEVICE", " GPU:1 ")).device());
        assertEquals("cpu", Environment.of(Map.of("JLENS_DEVICE", "cpu")).device());
        assertEquals("f16", Environment.of(Map.of("JLENS_DTYPE", "F16")).dtype());
        assertEquals(List.of(), Environment.of(Map.of("JLENS_DEVICE", "auto", "JLENS_DTYPE", "float32")).problems());
    }

    @Test
    void aValueIsQuotedEscapedAndCut() {
        String line = problems("JLENS_THREADS", "\u001b[2J" + "9".repeat(200)).get(0);
        assertTrue(line.startsWith("JLENS_THREADS=\\u001b[2J999"), line);
        assertTrue(line.length() < 260, line);
    }
}
