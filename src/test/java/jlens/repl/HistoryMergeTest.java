package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jline.reader.impl.history.DefaultHistory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two REPL processes on one history file (two SSH logins on one machine): each adds its own lines to the file,
 * neither overwrites the other's, whether they take turns or type at once, and the file is the owner's alone.
 */
class HistoryMergeTest {
    @TempDir
    Path tmp;

    /** A REPL process ({@link HistorySessionMain}) whose output is collected as it comes. */
    private final class Child implements AutoCloseable {
        final Process process;
        final jlens.ProcessOutput output;
        final OutputStream input;

        Child(Path history) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-Djava.awt.headless=true", "-cp",
                    System.getProperty("java.class.path"), HistorySessionMain.class.getName(), history.toString());
            pb.environment().put("HOME", tmp.toString());
            pb.redirectErrorStream(true);
            process = pb.start();
            input = process.getOutputStream();
            output = jlens.ProcessOutput.of(process);
        }

        void type(String line) throws IOException {
            input.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            input.flush();
        }

        /**
         * Waits until the REPL has answered {@code word} (an unknown command names itself in its error) and prompts
         * again, which it does after saving the history.
         */
        void answered(String word) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!output.text().matches("(?s).*'" + word + "'.*" + java.util.regex.Pattern.quote(Repl.PROMPT) + ".*")) {
                assertTrue(System.nanoTime() < end && process.isAlive(), "no answer to " + word + ": " + output);
                Thread.sleep(5);
            }
        }

        /** Waits for the banner: the REPL is at its prompt. */
        void started() throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!output.text().contains("jlens: look inside GPT-2")) {
                assertTrue(System.nanoTime() < end && process.isAlive(), "no banner: " + output);
                Thread.sleep(5);
            }
        }

        void finish() throws Exception {
            input.close(); // end of input: the REPL leaves as on Ctrl-D
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), output.text());
            assertEquals(0, process.exitValue(), output.text());
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** The lines of the history file, without JLine's time stamps. */
    private static List<String> typed(Path history) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(history)) {
            out.add(l.substring(l.indexOf(':') + 1));
        }
        return out;
    }

    @Test
    void twoSessionsTakingTurnsKeepEveryLineInTheOrderTyped() throws Exception {
        Path history = tmp.resolve(".jlens_history");
        Files.writeString(history, "1700000000000:model\n"); // a line from an earlier session
        List<String> expected = new ArrayList<>(List.of("model"));
        try (Child a = new Child(history); Child b = new Child(history)) {
            for (int i = 0; i < 6; i++) {
                for (Child c : List.of(a, b)) {
                    String word = (c == a ? "qa" : "qb") + i;
                    c.type(word + " x");
                    c.answered(word);
                    expected.add(word + " x");
                }
            }
            a.finish();
            b.finish();
        }
        assertEquals(expected, typed(history));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(history)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(AtomicHistory.lockFile(history))));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".tmp")).toList(), "no temporary files left");
        }
    }

    @Test
    void twoSessionsTypingAtOnceLoseNothing() throws Exception {
        Path history = tmp.resolve(".jlens_history");
        int n = 60;
        try (Child a = new Child(history); Child b = new Child(history)) {
            // Both wait at their prompts; then each gets all its lines at once and saves after every one.
            a.started();
            b.started();
            StringBuilder linesA = new StringBuilder();
            StringBuilder linesB = new StringBuilder();
            for (int i = 0; i < n; i++) {
                linesA.append("ra").append(i).append(" x\n");
                linesB.append("rb").append(i).append(" x\n");
            }
            a.input.write(linesA.toString().getBytes(StandardCharsets.UTF_8));
            b.input.write(linesB.toString().getBytes(StandardCharsets.UTF_8));
            a.input.flush();
            b.input.flush();
            a.finish();
            b.finish();
        }
        List<String> lines = typed(history);
        assertEquals(2 * n, lines.size(), lines.toString());
        for (String who : List.of("ra", "rb")) {
            List<String> own = lines.stream().filter(l -> l.startsWith(who)).toList();
            List<String> inOrder = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                inOrder.add(who + i + " x");
            }
            assertEquals(inOrder, own, "each session's lines, in its order");
        }
    }

    @Test
    void theFileKeepsTheNewestLinesUpToItsSize() throws Exception {
        Path history = tmp.resolve("h");
        StringBuilder old = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            old.append(1700000000000L + i).append(":old ").append(i).append('\n');
        }
        Files.writeString(history, old);
        String out = ReplTerminalTest.drive(TestSessions.session().session(), history, "model", "hook layer all");
        assertTrue(out.contains("d_head 8"), out);
        List<String> lines = typed(history);
        assertEquals(5000, lines.size());
        assertEquals(List.of("old 2", "old 3"), lines.subList(0, 2), "the oldest give way");
        assertEquals(List.of("model", "hook layer all"), lines.subList(4998, 5000));
    }

    @Test
    void jLineReadsBackWhatASaveWrites() throws Exception {
        Path file = tmp.resolve("h");
        String multiLine = "int twice(int x) {\n  return 2 * x; // a \\ backslash\r\n}";
        DefaultHistory mine = new DefaultHistory();
        mine.add(Instant.ofEpochMilli(1234), multiLine);
        Files.writeString(file, AtomicHistory.format(mine.iterator().next()) + "\n");
        try (org.jline.terminal.Terminal t = new org.jline.terminal.impl.DumbTerminal(InputStream.nullInputStream(),
                OutputStream.nullOutputStream())) {
            org.jline.reader.LineReader reader = org.jline.reader.LineReaderBuilder.builder().terminal(t)
                    .variable(org.jline.reader.LineReader.HISTORY_FILE, file).build();
            DefaultHistory read = new DefaultHistory(reader); // loads the file as the REPL's history does
            assertEquals(1, read.size());
            assertEquals(multiLine, read.get(0));
        }
    }
}
