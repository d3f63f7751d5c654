package jlens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The launcher ({@code ./jlens}) runs from a build of its own, never from {@code target/classes}, which the test
 * build empties as its first step: the REPL and {@code ./mvnw verify} run side by side, and a rebuild replaces the
 * launcher's jar by a rename, so a REPL already running keeps reading the jar it started with.
 *
 * <p>The launcher script runs for real, in a copy of the project whose {@code mvnw} stands in for Maven: it
 * records how it was called and "builds" a jar made from this build's classes (or, for a rebuild, a broken one).
 */
class LauncherTest {
    @TempDir
    Path tmp;

    private Path root;
    private Path home;
    private Path log;

    /** A jar of this build's main classes, as {@code ./mvnw -Papp package} would make. */
    private Path jarOfMainClasses() throws Exception {
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = tmp.resolve("good.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace(File.separatorChar, '/')));
                Files.copy(p, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /** The dependency jars of this run (no class folders: target/classes must not be needed). */
    private static String dependencies() {
        List<String> jars = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith(".jar") && !e.contains("surefire")) {
                jars.add(e);
            }
        }
        return String.join(File.pathSeparator, jars);
    }

    private void project(Path builtJar) throws Exception {
        root = tmp.resolve("project");
        home = tmp.resolve("home");
        log = tmp.resolve("mvnw.log");
        Files.createDirectories(root.resolve("src/main/java"));
        Files.createDirectories(home);
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Files.writeString(root.resolve("src/main/java/A.java"), "class A {}\n");
        Files.copy(Path.of("jlens"), root.resolve("jlens"));
        Files.copy(Path.of("startup.jsh"), root.resolve("startup.jsh"));
        // What the test build leaves while it runs: an emptied class folder.
        Files.createDirectories(root.resolve("target/classes"));
        Path mvnw = root.resolve("mvnw");
        Files.writeString(mvnw, """
                #!/usr/bin/env bash
                echo "$* | MAVEN_OPTS=$MAVEN_OPTS" >> "$JLENS_TEST_LOG"
                mkdir -p target/jlens-app
                cat "$JLENS_TEST_JAR" > target/jlens-app/jlens-0.1.0-SNAPSHOT.jar   # in place, as the jar plugin writes
                printf '%s' "$JLENS_TEST_CP" > target/jlens-app/classpath.txt
                """);
        mvnw.toFile().setExecutable(true);
        use(builtJar);
    }

    private Path built;

    private void use(Path jar) {
        built = jar;
    }

    private ProcessBuilder launcher(String... args) {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("jlens").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        env.put("JLENS_TEST_LOG", log.toString());
        env.put("JLENS_TEST_JAR", built.toString());
        env.put("JLENS_TEST_CP", dependencies());
        env.put("JLENS_THREADS", "1");
        env.put("HF_HUB_OFFLINE", "1");
        env.remove("JLENS_MODEL");
        return pb;
    }

    private record Ran(int status, String output) {}

    private Ran run(String... args) throws Exception {
        Process p = launcher(args).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return new Ran(p.exitValue(), out);
    }

    /** The jar the launcher runs (the first line of target/jlens-app/current). */
    private Path runJar() throws IOException {
        return Path.of(Files.readAllLines(root.resolve("target/jlens-app/current")).get(0));
    }

    private List<String> builds() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void theLauncherBuildsItsOwnJarOnceAndRunsFromIt() throws Exception {
        project(jarOfMainClasses());
        Ran first = run("--model", Fixture.dir().toString(), "-c", "model");
        assertEquals(0, first.status(), first.output());
        assertTrue(first.output().contains("3 layers, 4 heads, d_model 32, d_head 8"), first.output());
        assertEquals(1, builds().size(), builds().toString());
        String build = builds().get(0);
        assertTrue(build.startsWith("-q -B") && build.contains("-Papp package"), "the launcher's own build: " + build);
        assertTrue(build.contains("-Duser.home=" + home), "Maven looks in $HOME as jlens does: " + build);
        assertTrue(Files.isRegularFile(runJar()));
        try (Stream<Path> left = Files.list(root.resolve("target/classes"))) {
            assertEquals(0, left.count(), "target/classes is the test build's, untouched and unused");
        }

        // Java's own idea of home (DJL's ~/.djl.ai, Maven's ~/.m2) is the $HOME jlens's files follow.
        Ran again = run("--model", Fixture.dir().toString(), "-c", "System.out.println(\"home=\" + System.getProperty(\"user.home\"))");
        assertEquals(0, again.status(), again.output());
        assertTrue(again.output().contains("home=" + home), again.output());
        assertEquals(1, builds().size(), "no rebuild when nothing changed");
    }

    @Test
    void aReplThatIsRunningKeepsItsJarWhenTheProjectIsRebuilt() throws Exception {
        project(jarOfMainClasses());
        assertEquals(0, run("--model", Fixture.dir().toString(), "-c", "model").status());
        Process repl = launcher("--model", Fixture.dir().toString()).start(); // lines piped in, read to the end first
        try {
            Path first = runJar();
            waitUntilOpen(repl, first.toRealPath());

            // Sources change and a second launcher rebuilds, here into a broken jar, which it then fails to run.
            Path broken = tmp.resolve("broken.jar");
            Files.writeString(broken, "not a jar");
            use(broken);
            Files.setLastModifiedTime(root.resolve("src/main/java/A.java"), FileTime.from(Instant.now().plusSeconds(5)));
            Ran rebuilt = run("-c", "model");
            assertEquals(2, builds().size(), builds().toString());
            assertNotEquals(0, rebuilt.status(), rebuilt.output());
            assertNotEquals(first, runJar(), "the rebuild runs from a jar of its own");
            assertTrue(Files.isRegularFile(first), "the running REPL's jar stays where it was");

            // The running REPL still has the jar it started with: commands whose classes it had not loaded yet work.
            try (OutputStream in = repl.getOutputStream()) {
                in.write(String.join("\n", "text \"Be who you are and say what you feel\"", "hook layer all", "run", "var",
                        "qkt 1", "").getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(repl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(repl.waitFor(120, TimeUnit.SECONDS), out);
            assertEquals(0, repl.exitValue(), out);
            assertTrue(out.contains("variance") && out.contains("QK^T"), out);
        } finally {
            repl.destroyForcibly();
        }
    }

    /**
     * {@code ./jlens jshell} on a terminal of 150 x 50 in 256 colours (a pseudo-terminal made by {@code script}):
     * the snippets' JVM draws charts as the REPL would there (its width, its colours), and shows values readably.
     */
    @Test
    void jshellDrawsForItsTerminalAndShowsValuesReadably() throws Exception {
        project(jarOfMainClasses());
        assertEquals(0, run("-c", "model").status()); // built
        ProcessBuilder pb = launcher();
        pb.command("script", "-qec", "stty cols 150 rows 50; exec bash " + root.resolve("jlens") + " jshell", "/dev/null");
        pb.environment().put("TERM", "xterm-256color");
        pb.environment().remove("COLORTERM");
        pb.environment().remove("NO_COLOR");
        pb.environment().put("JLENS_MODEL", Fixture.dir().toString());
        Process p = pb.start();
        ProcessOutput out = ProcessOutput.of(p);
        try (OutputStream in = p.getOutputStream()) {
            int prompts = 1;
            for (String line : List.of("ws.text(\"Be who you are and say what you feel\")", "ws.captureAll(HookPoint.QKV)",
                    "ws.run();", "QkvVariances.compute(ws.cache(), ws.config(), 1)", "ws.ids()", "jl(\"var\")", "/exit")) {
                awaitCount(out, "jshell> ", prompts++, p);
                in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            }
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), out.text());
        } finally {
            p.destroyForcibly();
            out.join(10_000);
        }
        String raw = out.text();
        String text = raw.replaceAll("\u001b\\[[0-9;?]*[A-Za-z]|\u001b\\][^\u0007\u001b]*(\u0007|\u001b\\\\)|\r", "");
        assertTrue(text.contains("QkvVariances.ByLayer") && text.contains("double[3] {"), text);
        assertTrue(text.contains("long[9] {3856, 508, 345, 389, 290, 910, ... 3 more}"), text);
        assertTrue(!java.util.regex.Pattern.compile("\\[[A-Z]@[0-9a-f]{4,}").matcher(text).find(), "no [D@6f27a: " + text);
        assertTrue(java.util.regex.Pattern.compile("\u001b\\[[0-9;]*38;5;[0-9]+m").matcher(raw).find(), "256 colours, as TERM says");
        String title = text.lines().filter(l -> l.contains("variance of Q, K, V by layer")).findFirst().orElseThrow();
        assertEquals(149, title.length(), "the chart is as wide as the terminal less one: '" + title + "'");
        assertTrue(!text.contains("Created user preferences"), "jshell's first start in a new home says nothing of it");
    }

    private static void awaitCount(ProcessOutput out, String what, int count, Process p) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (out.text().split(java.util.regex.Pattern.quote(what), -1).length - 1 < count) {
            assertTrue(System.nanoTime() < end && p.isAlive(), "waiting for " + what + " #" + count + ": " + out);
            Thread.sleep(20);
        }
    }

    /** Waits until the launched JVM (the launcher execs it, so the same process) has {@code jar} open. */
    private static void waitUntilOpen(Process p, Path jar) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Path fds = Path.of("/proc", Long.toString(p.pid()), "fd");
        while (System.nanoTime() < end) {
            assertTrue(p.isAlive(), "the REPL ended early");
            try (Stream<Path> open = Files.list(fds)) {
                if (open.anyMatch(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).equals(jar);
                    } catch (IOException e) {
                        return false;
                    }
                })) {
                    return;
                }
            } catch (IOException e) {
                // the process is between bash and java
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the REPL never opened " + jar);
    }

    @Test
    void theAppProfileBuildsWhereTheLauncherLooksAndTheTestBuildDoesNot() throws Exception {
        var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        NodeList profiles = pom.getElementsByTagName("profile");
        String directory = null;
        for (int i = 0; i < profiles.getLength(); i++) {
            Element p = (Element) profiles.item(i);
            if (p.getElementsByTagName("id").item(0).getTextContent().equals("app")) {
                directory = p.getElementsByTagName("directory").item(0).getTextContent().strip();
            }
        }
        assertEquals("${project.basedir}/target/jlens-app", directory);
        String launcher = Files.readString(Path.of("jlens"));
        assertTrue(launcher.contains("app=\"$here/target/jlens-app\""), "the launcher runs what the profile builds");
        assertTrue(!launcher.contains("target/classes"), "the launcher never runs the test build's classes");
    }
}
