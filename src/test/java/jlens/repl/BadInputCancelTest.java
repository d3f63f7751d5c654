package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C (the terminal's INT signal) during long work: a stream of forward passes, ablation sweeps, a download,
 * and the full-screen viewer. Each stops within a second, leaves no hook on the model and no change to the
 * session, and the REPL answers the next line.
 */
class BadInputCancelTest {
    @TempDir
    Path tmp;

    /** Output that notes when a piece of text first appears in it. */
    static final class Watched extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final String watchFor;
        volatile long seenAt;

        Watched(String watchFor) {
            this.watchFor = watchFor;
        }

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
            note();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            note();
        }

        private void note() {
            if (seenAt == 0 && text().contains(watchFor)) {
                seenAt = System.nanoTime();
            }
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    record Outcome(String text, double secondsToCancel) {}

    /**
     * Keys typed into a terminal from another thread. (A piped stream breaks when its writer thread ends, and JLine's
     * pump may be interrupted and restarted; a queue loses nothing either way.)
     */
    static final class Keyboard {
        private final BlockingQueue<Integer> bytes = new LinkedBlockingQueue<>();

        void type(String keys) {
            for (byte b : keys.getBytes(StandardCharsets.UTF_8)) {
                bytes.add(b & 0xff);
            }
        }

        Input input() {
            return new Input();
        }

        final class Input extends InputStream {
            @Override
            public int read() throws IOException {
                try {
                    return bytes.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException();
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                b[off] = (byte) read();
                int n = 1;
                Integer next;
                while (n < len && (next = bytes.poll()) != null) {
                    b[off + n++] = (byte) (int) next;
                }
                return n;
            }

            @Override
            public int available() {
                return bytes.size();
            }
        }
    }

    /** Types {@code lines} into a REPL and presses Ctrl-C once {@code startedWhen} has been printed. */
    static Outcome ctrlCDuring(Session s, String startedWhen, String... lines) throws Exception {
        String input = String.join("\n", lines) + "\n";
        Watched started = new Watched(startedWhen);
        Watched out = new Watched("cancelled");
        OutputStream both = new OutputStream() {
            @Override
            public void write(int b) {
                started.write(b);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                started.write(b, off, len);
                out.write(b, off, len);
            }
        };
        long[] pressedAt = new long[1];
        try (Terminal t = new DumbTerminal("test", Terminal.TYPE_DUMB, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                both, StandardCharsets.UTF_8)) {
            Thread ctrlC = new Thread(() -> {
                try {
                    while (started.seenAt == 0) {
                        Thread.sleep(5);
                    }
                    Thread.sleep(300); // well into the work
                    pressedAt[0] = System.nanoTime();
                    t.raise(Terminal.Signal.INT);
                } catch (InterruptedException ignored) {
                    // the test ended first
                }
            });
            ctrlC.setDaemon(true);
            ctrlC.start();
            new Repl(t, s, null).run();
            ctrlC.interrupt();
        }
        assertTrue(pressedAt[0] != 0, "the work ended before Ctrl-C was pressed: " + out.text());
        assertTrue(out.seenAt != 0, "no 'cancelled': " + out.text());
        return new Outcome(out.text(), (out.seenAt - pressedAt[0]) / 1e9);
    }

    private static void assertCleanAfter(Session s, TestSessions.State before, Outcome o) {
        assertTrue(o.secondsToCancel() < 1.0, "cancelled after " + o.secondsToCancel() + " s");
        assertTrue(TestSessions.model().hooks().isEmpty(), "no hook outlives Ctrl-C");
        assertTrue(o.text().substring(o.text().lastIndexOf("cancelled")).contains("3 layers, 4 heads"), "the REPL answers the next line: " + o.text());
        assertFalse(o.text().contains("\tat "), o.text());
        assertEquals(before.text(), TestSessions.state(s).text());
        assertEquals(before.hooked(), TestSessions.state(s).hooked());
    }

    private Path script(String line, int times) throws IOException {
        Path f = tmp.resolve("long.jsh");
        Files.writeString(f, "model\n" + (line + "\n").repeat(times));
        return f;
    }

    @Test
    void ctrlCStopsAStreamOfForwardPasses() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "run");
        TestSessions.State before = TestSessions.state(b.session());
        Outcome o = ctrlCDuring(b.session(), "d_head 8", "source " + script("run", 100_000), "model");
        assertCleanAfter(b.session(), before, o);
        System.out.printf("[BadInputCancelTest] forward passes cancelled in %.3f s%n", o.secondsToCancel());
    }

    @Test
    void ctrlCStopsAblationSweeps() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        TestSessions.State before = TestSessions.state(b.session());
        Outcome o = ctrlCDuring(b.session(), "d_head 8", "source " + script("ablate head all token 5 layer all", 100_000), "model");
        assertCleanAfter(b.session(), before, o);
        System.out.printf("[BadInputCancelTest] sweeps cancelled in %.3f s%n", o.secondsToCancel());
    }

    @Test
    void aCancelledForwardPassOrSweepChangesNothing() {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "run", "var");
        Session s = b.session();
        TestSessions.State before = TestSessions.state(s);
        s.cancel(); // as if Ctrl-C came just as the command started
        assertThrows(CancellationException.class, () -> s.workspace().run(List.of()));
        assertThrows(CancellationException.class, () -> s.exec("run"));
        assertThrows(CancellationException.class, () -> s.exec("ablate head 1 token 5"));
        assertTrue(TestSessions.model().hooks().isEmpty(), "the cancel checks' hooks are gone");
        assertEquals(before, TestSessions.state(s));
        s.clearCancel();
        s.exec("ablate head 1 token 5");
        assertTrue(b.take().contains("layer"));
    }

    @Test
    void ctrlCStopsADownload() throws Exception {
        // The REPL's part of cancelling a download: Ctrl-C reaches the store's cancel flag through Session.onCancel
        // (Models.cancellation does the same) and interrupts the thread; whichever the blocked work notices first,
        // the REPL says "cancelled". The store's own cancel and resume are tested in HubDownloadTest.
        CountDownLatch cancelled = new CountDownLatch(1);
        StringWriter sink = new StringWriter();
        Session s = new Session(new PrintWriter(sink, true), (spec, session) -> {
            if (!spec.equals("huge-model")) {
                return new ModelSource.Loaded(TestSessions.model(), "tiny-gpt2", null);
            }
            session.onCancel(cancelled::countDown);
            session.println("downloading " + spec + " ...");
            session.out().flush();
            if (cancelled.await(20, TimeUnit.SECONDS)) {
                throw new CancellationException("download cancelled; what was fetched is kept for next time");
            }
            throw new IllegalStateException("the download was never cancelled");
        });
        s.useModel(TestSessions.model(), "tiny-gpt2", null, false);
        s.settings().set("color", "mono", 1);
        Outcome o = ctrlCDuring(s, "downloading", "load huge-model", "model");
        assertTrue(o.secondsToCancel() < 1.0, "cancelled after " + o.secondsToCancel() + " s");
        assertEquals("tiny-gpt2", s.workspace().modelName());
        assertTrue(o.text().substring(o.text().lastIndexOf("cancelled")).contains("3 layers, 4 heads"), o.text());
    }

    /**
     * Ctrl-C in the full-screen viewer, on a terminal with a real line discipline: the viewer turns ISIG off, so
     * Ctrl-C arrives as a key and leaves the viewer; the main screen, the cursor and the terminal's modes come back.
     */
    @Test
    void ctrlCLeavesTheViewerAndRestoresTheTerminal() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "run", "hist 1");
        Keyboard keys = new Keyboard();
        Keyboard.Input in = keys.input();
        Watched out = new Watched("\u001b[?1049h"); // the alternate screen: the viewer is up
        try (Terminal t = TerminalBuilder.builder().system(false).type("xterm-256color").size(new Size(100, 30))
                .streams(in, out).encoding(StandardCharsets.UTF_8).build()) {
            Attributes modes = new Attributes(t.getAttributes());
            Thread typist = new Thread(() -> {
                try {
                    while (out.seenAt == 0) {
                        Thread.sleep(5);
                    }
                    Thread.sleep(200);
                    keys.type("\u0003"); // Ctrl-C
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            typist.setDaemon(true);
            typist.start();
            // The REPL's own path for a line (worker thread, Ctrl-C handler), without the line editor: the prompt
            // after the viewer was checked by hand in tmux (the test pty's input pump is not a real keyboard).
            Repl repl = new Repl(t, b.session(), null);
            Thread run = new Thread(() -> {
                repl.execute("view");
                repl.execute("model");
            });
            run.start();
            run.join(15_000);
            assertFalse(run.isAlive(), "the viewer hung: " + out.text());
            // The pty hands the output over on a thread of its own: wait for the answer to come through.
            long until = System.nanoTime() + 5_000_000_000L;
            while (!out.text().matches("(?s).*\u001b\\[\\?1049l.*d_head 8.*") && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            String text = out.text();
            assertNotNull(text);
            int entered = text.indexOf("\u001b[?1049h");
            int left = text.indexOf("\u001b[?1049l", entered);
            assertTrue(entered >= 0 && left > entered, "the viewer entered and left the alternate screen: " + text.replace("\u001b", "ESC"));
            assertTrue(text.indexOf("\u001b[?25h", left - 20) >= 0, "the cursor is shown again");
            assertTrue(text.substring(left).contains("3 layers, 4 heads"), "the REPL answers after the viewer: " + text.substring(left));
            Attributes after = t.getAttributes();
            for (Attributes.LocalFlag f : List.of(Attributes.LocalFlag.ECHO, Attributes.LocalFlag.ICANON, Attributes.LocalFlag.ISIG)) {
                assertEquals(modes.getLocalFlag(f), after.getLocalFlag(f), f + " restored");
            }
            assertTrue(after.getLocalFlag(Attributes.LocalFlag.ISIG), "Ctrl-C is a signal again at the prompt");
        }
        assertTrue(TestSessions.model().hooks().isEmpty());
    }
}
