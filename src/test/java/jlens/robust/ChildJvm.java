package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import jlens.OutputAudit;

/**
 * jlens run as a user runs it ({@code jlens ARGS}), in a child JVM with its home in a work folder: what it printed
 * is audited ({@link OutputAudit}), and a crash of the child (an abort, SIGBUS or SIGSEGV: exit status above 128,
 * or a JVM error file {@code hs_err_pid*.log}) fails the test, with the evidence kept in {@code target/crash-survival}.
 */
final class ChildJvm {
    /** What a child run left: its exit status and its output. */
    record Child(int status, String out, String err) {}

    private final Path workDir;
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private int timeoutSeconds = 120;

    ChildJvm(Path workDir) {
        this.workDir = workDir;
        jvmArgs.addAll(List.of("-Xmx512m", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dfile.encoding=UTF-8"));
        env.put("HOME", workDir.toString());
        env.put("TERM", "dumb");
    }

    /** Replaces a default JVM flag that starts like {@code arg} (up to its '=' or size), or adds it. */
    ChildJvm jvm(String arg) {
        String key = arg.startsWith("-Xmx") ? "-Xmx" : arg.contains("=") ? arg.substring(0, arg.indexOf('=') + 1) : arg;
        jvmArgs.removeIf(a -> a.startsWith(key));
        jvmArgs.add(arg);
        return this;
    }

    /** Sets an environment variable of the child; null removes it. */
    ChildJvm env(String name, String value) {
        env.put(name, value);
        return this;
    }

    ChildJvm timeout(int seconds) {
        timeoutSeconds = seconds;
        return this;
    }

    Path workDir() {
        return workDir;
    }

    /** Starts the child without waiting for it. */
    Process start(String... args) throws IOException {
        Files.createDirectories(workDir);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-XX:ErrorFile=" + workDir.resolve("hs_err_pid%p.log"), "-Duser.home=" + workDir,
                "--add-modules", "jdk.jshell", "-cp", System.getProperty("java.class.path"), "jlens.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectOutput(workDir.resolve("out.txt").toFile())
                .redirectError(workDir.resolve("err.txt").toFile());
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        return pb.start();
    }

    /** Runs the child to its end and checks it survived. */
    Child run(String... args) throws IOException, InterruptedException {
        Process p = start(args);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish in " + timeoutSeconds + " s: " + String.join(" ", args)
                    + "\n" + Files.readString(workDir.resolve("err.txt")));
        }
        return finished(p);
    }

    /** What the ended child {@code p} left, checked: no crash, output audited. */
    Child finished(Process p) throws IOException {
        Child c = new Child(p.exitValue(), Files.readString(workDir.resolve("out.txt")),
                Files.readString(workDir.resolve("err.txt")));
        try (Stream<Path> files = Files.list(workDir)) {
            List<Path> crashes = files.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).toList();
            if (!crashes.isEmpty()) { // keep the evidence: the temporary folder is deleted after the test
                Path keep = Files.createDirectories(Path.of("target", "crash-survival"));
                for (Path f : List.of(crashes.get(0), workDir.resolve("out.txt"), workDir.resolve("err.txt"))) {
                    Files.copy(f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            assertTrue(crashes.isEmpty(), "the JVM crashed (kept in target/crash-survival): " + crashes + "\n" + c.err());
        }
        OutputAudit.check(c.out());
        OutputAudit.check(c.err());
        return c;
    }
}
