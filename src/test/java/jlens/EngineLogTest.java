package jlens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real command line in a child process, as a user's shell would, through forward passes on one and
 * on two threads (the matMul and the convolution paths of the products), and checks that no line of its
 * stdout or stderr comes from the engine's native logger (c10's "[W1202 01:46:05.254 NNPACK.cpp:57] ..."),
 * which on CPUs without NNPACK support used to print on every forward pass.
 */
class EngineLogTest {
    /** c10 and glog lines: a severity letter, month and day, a time, then the source file and line. */
    static final Pattern ENGINE_LINE = Pattern.compile("^\\[?[IWEF]\\d{4} \\d\\d:\\d\\d:\\d\\d.*\\]");

    @TempDir
    Path tmp;

    @Test
    void noEngineLogLineReachesStdoutOrStderr() throws Exception {
        for (int threads : new int[] {1, 2}) {
            Path out = tmp.resolve("out-" + threads + ".txt");
            Path err = tmp.resolve("err-" + threads + ".txt");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=" + threads, "-Djava.awt.headless=true",
                    "-Dfile.encoding=UTF-8", "--add-modules", "jdk.jshell",
                    "-cp", System.getProperty("java.class.path"), "jlens.Main",
                    "--model", Fixture.dir().toString(),
                    "-c", "text \"Be who you are and say what you feel\"", "-c", "hook layer all", "-c", "run",
                    "-c", "ablate head 0 token -2", "-c", "logprobs"));
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the run did not finish");
            List<String> lines = new ArrayList<>(read(out));
            lines.addAll(read(err));
            OutputAudit.check(String.join("\n", lines));
            assertEquals(0, p.exitValue(), threads + " threads: " + String.join("\n", lines));
            assertTrue(read(out).stream().anyMatch(l -> l.contains("log")), "the commands printed their results");
            for (String line : lines) {
                assertTrue(!ENGINE_LINE.matcher(line).find() && !line.contains("NNPACK"),
                        threads + " threads: an engine log line reached the output: " + line);
            }
        }
    }

    @Test
    void thePatternKnowsAnEngineLine() {
        assertTrue(ENGINE_LINE.matcher(
                "[W1202 01:46:05.254238813 NNPACK.cpp:57] Could not initialize NNPACK! Reason: Unsupported hardware.").find());
        assertTrue(!ENGINE_LINE.matcher("layer 5: Q, K, V density").find());
    }

    private static List<String> read(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }
}
