package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import jlens.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jlens killed while it writes: SIGTERM, SIGHUP or SIGINT during a {@code save} and during the known model's first
 * use leaves no temporary behind (the writer pauses before its rename, through a test-only property, so the signal
 * lands while the temporary holds everything), and what a SIGKILL leaves is swept by the next start.
 */
class SignalSurvivalTest {
    private static final String PAUSE = "-Djlens.test.pauseBeforeRename=60000";

    @TempDir
    Path tmp;

    /** jlens's temporaries (and its known model's, past and present) in {@code dir}. */
    private static List<String> litter(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".jlens-") || n.contains(".tmp")).toList();
        }
    }

    /** Waits until a temporary shows up in {@code dir} (the child is then paused before its rename). */
    private static void awaitTemporary(Process p, Path dir) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (litter(dir).isEmpty()) {
            assertTrue(p.isAlive(), "the child ended before it wrote anything");
            assertTrue(System.nanoTime() < end, "no temporary appeared in " + dir);
            Thread.sleep(50);
        }
    }

    private static void signal(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not end after SIG" + signal);
    }

    private String[] saveLines(String file) {
        return new String[] {"--model", Fixture.dir().toString(), "-c", "text \"The cat sat on the mat\"", "-c",
                "hook layer all", "-c", "run", "-c", "var", "-c", "save " + file};
    }

    @Test
    void aSignalDuringSaveLeavesNoTemporary() throws Exception {
        for (String signal : List.of("TERM", "HUP", "INT")) {
            ChildJvm jvm = new ChildJvm(tmp.resolve("save-" + signal)).jvm(PAUSE);
            Process p = jvm.start(saveLines("figure.png"));
            awaitTemporary(p, jvm.workDir());
            signal(p, signal);
            jvm.finished(p);
            assertEquals(List.of(), litter(jvm.workDir()), "SIG" + signal + " during save");
            assertFalse(Files.exists(jvm.workDir().resolve("figure.png")), "no half a file either");
        }
    }

    @Test
    void aSignalDuringTheKnownModelsFirstUseLeavesNoTemporaryAndACleanStartWritesIt() throws Exception {
        Path work = tmp.resolve("known");
        Path cache = work.resolve(".cache").resolve("jlens");
        ChildJvm jvm = new ChildJvm(work).jvm(PAUSE).env("XDG_CACHE_HOME", null);
        Process p = jvm.start("--model", "known", "-c", "model");
        awaitTemporary(p, cache);
        signal(p, "TERM");
        jvm.finished(p);
        assertEquals(List.of(), litter(cache), "SIGTERM during the known model's generation");

        ChildJvm.Child again = new ChildJvm(work).env("XDG_CACHE_HOME", null).run("--model", "known", "-c", "model");
        assertEquals(0, again.status(), again.out() + again.err());
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(List.of("known-model-2"), s.map(x -> x.getFileName().toString()).toList());
        }
    }

    @Test
    void whatAKilledProcessLeftIsSweptAtTheNextStart() throws Exception {
        ChildJvm jvm = new ChildJvm(tmp.resolve("kill")).jvm(PAUSE);
        Process p = jvm.start(saveLines("table.csv"));
        awaitTemporary(p, jvm.workDir());
        p.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        List<String> left = litter(jvm.workDir());
        assertEquals(1, left.size(), "SIGKILL leaves the temporary: " + left);

        ChildJvm.Child next = new ChildJvm(jvm.workDir()).run("--model", Fixture.dir().toString(), "-c", "model");
        assertEquals(0, next.status(), next.err());
        assertEquals(List.of(), litter(jvm.workDir()), "swept at the next start");
    }
}
