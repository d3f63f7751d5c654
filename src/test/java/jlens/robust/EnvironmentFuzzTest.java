package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import jlens.OutputAudit;
import jlens.store.StoreEnv;
import jlens.sys.Environment;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * A fuzzer over the environment: every variable jlens reads ({@link Environment#VARIABLES}) set or not, to hostile
 * text, numbers, paths and addresses. Reading it must never throw; every problem is one line that names its variable,
 * holds no raw control or format character and never a token; and what is taken is usable (threads within
 * 1..cores x 4, an http(s) hub address or none, absolute cache folders, a token an HTTP header can carry or none).
 * The child-JVM tests ({@code EnvironmentSurvivalTest}) check that these lines reach the user once, at start.
 */
class EnvironmentFuzzTest {
    static final int TRIES = 300;
    static final AtomicInteger problems = new AtomicInteger();
    static final AtomicInteger environments = new AtomicInteger();

    @AfterContainer
    static void report() {
        System.out.println("[EnvironmentFuzzTest] " + environments.get() + " environments, " + problems.get() + " problem lines");
    }

    static Arbitrary<String> value() {
        return Arbitraries.oneOf(HostileText.text(), Arbitraries.of("0", "-1", "1", "2", "100000", "99999999999", "4 ",
                " 3", "+2", "0x10", "1.5", "relative/path", "/abs/path", "~/x", "~", "http://localhost:1", "https://hub.example",
                "ftp://x", "::not a uri", "http://user:secretpassword@proxy:3128", "proxy:3128", "http://", "https://h/p?q=1#f",
                "hf_" + "a".repeat(30), "hf_line\nbreak", "yes", "TRUE", "off", "cpu", "gpu", "GPU:1", "cuda:0", "gpu:x", "auto",
                "f16", "F32", "bf16", "half"));
    }

    @Provide
    Arbitrary<Map<String, String>> environments() {
        return Arbitraries.maps(Arbitraries.of(Environment.VARIABLES), value()).ofMinSize(0).ofMaxSize(Environment.VARIABLES.size())
                .map(m -> {
                    Map<String, String> env = new HashMap<>(m);
                    env.replaceAll((k, v) -> v.replace("\u0000", "")); // a process environment cannot hold NUL
                    return env;
                });
    }

    @Property(tries = TRIES, seed = "20270128", shrinking = ShrinkingMode.OFF)
    void anyEnvironmentIsReadWithOneLinePerProblem(@ForAll("environments") Map<String, String> env) {
        environments.incrementAndGet();
        Environment e = Environment.of(env);
        List<String> lines = e.problems();
        problems.addAndGet(lines.size());
        String token = env.get(Environment.TOKEN);
        String proxyPassword = env.entrySet().stream().anyMatch(v -> v.getKey().toLowerCase(java.util.Locale.ROOT).endsWith("_proxy")
                && v.getValue().contains("secretpassword")) ? "secretpassword" : "";
        for (String line : lines) {
            assertFalse(line.contains("\n") || line.contains("\r"), line);
            assertTrue(line.codePoints().noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT),
                    "no raw control or format character: " + jlens.chart.TerminalText.escape(line));
            assertTrue(Environment.VARIABLES.stream().anyMatch(v -> line.startsWith(v)) || line.startsWith("the token file"),
                    "names its variable first: " + line);
            OutputAudit.checkSecrets(line, token == null ? "" : token, proxyPassword);
        }
        assertTrue(e.device() == null || e.device().matches("auto|cpu|(gpu|cuda)(:[0-9]+)?"), e.device());
        assertTrue(e.dtype() == null || e.dtype().matches("[a-z0-9]+"), e.dtype());
        int threads = e.threads(null);
        assertTrue(threads >= 1 && threads <= Environment.maxThreads(), "threads " + threads);

        StoreEnv store = StoreEnv.from(env);
        URI endpoint = store.endpoint();
        assertTrue(endpoint == null ? store.endpointProblem() != null
                : (endpoint.getScheme().equals("https") || endpoint.getScheme().equals("http")) && endpoint.getHost() != null,
                String.valueOf(endpoint));
        assertTrue(store.jlensCache().isAbsolute() && store.configDir().isAbsolute() && store.hubCache().isAbsolute());
        assertTrue(store.token() == null || store.token().chars().allMatch(c -> c > 0x20 && c < 0x7f), "a header-safe token");
        OutputAudit.checkSecrets(store.toString(), token == null ? "" : token);
    }
}
