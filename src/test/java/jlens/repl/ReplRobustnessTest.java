package jlens.repl;

import jlens.OutputAudit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jlens.analysis.Density;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REPL's files, settings and start-up against what a machine can throw at them. */
class ReplRobustnessTest {
    @TempDir
    Path tmp;

    @Test
    void aHistoryFileThatIsAFolderOrNotTextIsLeftAloneWithOneLine() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("h1"));
        assertTrue(History.problem(folder).orElseThrow().contains("is a folder"));
        Path binary = tmp.resolve("h2");
        Files.write(binary, new byte[] {'o', 'k', '\n', (byte) 0xff, (byte) 0xfe, '\n'});
        assertTrue(History.problem(binary).orElseThrow().contains("not UTF-8"));
        Path fine = tmp.resolve("h3");
        Files.writeString(fine, "model\nhist 1\n");
        assertTrue(History.problem(fine).isEmpty());
        assertTrue(History.problem(tmp.resolve("absent")).isEmpty());
        // the REPL starts, says it once, runs, and leaves the file as it was
        String out = ReplTerminalTest.drive(TestSessions.session().session(), binary, "model");
        assertTrue(out.contains("history off: " + binary + " is not UTF-8 text"), out);
        assertTrue(out.contains("3 layers, 4 heads"), out);
        assertEquals(6, Files.size(binary));
        assertTrue(ReplTerminalTest.drive(TestSessions.session().session(), folder, "model").contains("is a folder"));
    }

    @Test
    void theHistoryFollowsHomeAsTheCacheAndSettingsDo() {
        assertEquals(Path.of("/some/home/.jlens_history"), History.file(Map.of("HOME", "/some/home")));
        assertEquals(Path.of(System.getProperty("user.home"), ".jlens_history"), History.file(Map.of()));
    }

    @Test
    void savedFilesFollowTheUmaskAndForceKeepsTheMode() throws Exception {
        Path reference = tmp.resolve("reference");
        Files.newOutputStream(reference).close(); // created as any program creates a file: 0666 less the umask
        Path saved = tmp.resolve("saved.txt");
        SaveTarget.write(saved, false, out -> out.write('x'));
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(saved));
        Files.setPosixFilePermissions(saved, PosixFilePermissions.fromString("rw-r--r--"));
        SaveTarget.write(saved, true, out -> out.write('y'));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(saved)));
        assertEquals("y", Files.readString(saved));
    }

    @Test
    void aLongButLegalFileNameIsSaved() throws Exception {
        Path longName = tmp.resolve("q".repeat(250) + ".csv"); // 254 bytes: the limit is 255
        SaveTarget.write(longName, false, out -> out.write('1'));
        assertEquals("1", Files.readString(longName));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    @Test
    void sourceOfAFifoIsRefusedAtOnce() throws Exception {
        Path fifo = tmp.resolve("pipe.jsh");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0);
        TestSessions.Buffered b = TestSessions.session();
        long start = System.nanoTime();
        UserError e = assertThrows(UserError.class, () -> b.exec("source " + fifo));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused, not blocked on a pipe with no writer");
    }

    @Test
    void budgetIsShownInAUnitThatSaysIt() {
        assertEquals("1B", Settings.size(1));
        assertEquals("4G", Settings.size(4L << 30));
        assertEquals("512M", Settings.size(512L << 20));
        assertEquals("3K", Settings.size(3072));
        Settings s = new Settings();
        s.set("budget", "1", 3);
        assertEquals("1B", s.describe().get("budget"));
        s.set("budget", "2GB", 3);
        assertEquals("2G", s.describe().get("budget"));
    }

    @Test
    void aWidthTooNarrowForTheChartsIsRefusedWithTheMinimum() {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "run");
        UserError e = assertThrows(UserError.class, () -> b.exec("set width 20"));
        assertTrue(e.getMessage().contains("below the " + Settings.MIN_CHART_WIDTH + " columns"), e.getMessage());
        // at the minimum, every chart draws
        b.exec("set width " + Settings.MIN_CHART_WIDTH, "hist 1", "hist all", "var", "qkt 1", "qkt all", "logprobs");
        assertTrue(b.take().contains("every layer"));
    }

    @Test
    void nanInActivationsIsCountedAndSaidByHistVarAndLogprobs() {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all");
        try (var scope = TestSessions.model().hooks().scope()) {
            scope.add("blocks.1.attn.hook_qkv", (name, a) -> a.mul(Float.NaN)); // NaN from layer 1 on
            b.exec("run");
            b.take();
            String hist = b.exec("hist 1").take();
            assertTrue(hist.matches("(?s).*Q: \\d+ NaN values not in the histogram.*"), hist);
            String all = b.exec("hist all").take();
            assertTrue(all.matches("(?s).*layer 1 Q: \\d+ NaN values.*"), all);
            assertFalse(all.contains("layer 0 Q:"), "layer 0 is clean: " + all);
            String var = b.exec("var").take();
            assertTrue(var.contains("not drawn (not finite") && var.contains("Q1 nan"), var);
            UserError e = assertThrows(UserError.class, () -> b.exec("logprobs"));
            assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("undefined"), e.getMessage());
        }
        // the hook is gone: the run made with it is not served as this model's
        UserError stale = assertThrows(UserError.class, () -> b.exec("hist 1"));
        assertTrue(stale.getMessage().contains("type 'run'"), stale.getMessage());
    }

    @Test
    void aJshellSessionWithoutAModelSaysSoInOneLine() {
        StringWriter text = new StringWriter();
        Session s = new Session(new PrintWriter(text, true), (spec, session) -> {
            throw new UserError("no such model " + spec);
        });
        Jsh.set(s);
        try {
            Jsh.line("model");
            String out = OutputAudit.check(text.toString());
            assertTrue(out.startsWith("error: no model loaded"), out);
            assertEquals(1, out.strip().lines().count(), out);
            assertFalse(out.contains("NullPointerException"), out);
        } finally {
            Jsh.set(null);
        }
    }

    @Test
    void anUnknownTermIsRecognisedAsSuch() {
        assertTrue(Cli.knownTerminal("xterm-256color"));
        assertFalse(Cli.knownTerminal("no-such-terminal-from-2099"));
    }

    /**
     * The real start: jlens in a pseudo-terminal (util-linux {@code script}) with a TERM no terminfo knows. One line
     * says so, JLine neither warns nor prints a trace, the REPL runs a command and 'quit' exits with 0.
     */
    @Test
    void anUnknownTermAtARealStartIsOneLineAndTheReplRuns() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(utilLinuxScript(), "needs util-linux 'script' to give the REPL a terminal");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = String.join(" ", quoted(javaBin), "-Xmx512m", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dfile.encoding=UTF-8", "--add-modules", "jdk.jshell", "-cp", quoted(System.getProperty("java.class.path")),
                "jlens.Main", "--model", quoted(jlens.Fixture.dir().toString()));
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", command, "/dev/null").directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().put("TERM", "some-terminal-2099");
        pb.environment().put("HOME", tmp.toString());
        pb.environment().put("SHELL", "/bin/sh"); // script runs the command with $SHELL -c
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write("model\nquit\n".getBytes(StandardCharsets.UTF_8)); // typed ahead: the terminal keeps it
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("jlens did not quit in 120 s: " + Files.readString(tmp.resolve("out.txt")));
        }
        String out = Files.readString(tmp.resolve("out.txt")) + Files.readString(tmp.resolve("err.txt"));
        OutputAudit.checkSecrets(out); // a terminal's output: its own escapes are the REPL's, the token never
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("3 layers, 4 heads"), "the REPL ran 'model': " + out);
        java.util.List<String> aboutTerminal = out.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).contains("terminal")
                || l.contains("some-terminal-2099")).toList();
        assertEquals(1, aboutTerminal.size(), out);
        assertTrue(aboutTerminal.get(0).contains("no terminal description for TERM=some-terminal-2099"), aboutTerminal.get(0));
        assertFalse(out.contains("Exception") || out.contains("\tat ") || out.contains("WARNING") || out.contains("org.jline"),
                "a trace or JLine's warning: " + out);
    }

    private static boolean utilLinuxScript() {
        try {
            Process p = new ProcessBuilder("script", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && v.contains("util-linux");
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A word for {@code sh -c}: in single quotes, a single quote written as '\''. */
    private static String quoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Test
    void nonFiniteValuesAreCountedAndExtremeRangesRefused() {
        float[] values = {1, 2, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3, Float.NaN};
        Density d = Density.of(values, 4, 0, 4);
        assertEquals(3, d.inRange());
        assertEquals(2, d.nan());
        assertEquals(2, d.infinite());
        assertEquals("2 NaN and 2 infinite values not in the histogram (they have no place on its axis)", d.nonFiniteNote());
        Density allNan = Density.auto(new float[] {Float.NaN, Float.NaN}, 10);
        assertEquals(2, allNan.nan());
        assertTrue(allNan.hasNonFinite());
        assertThrows(IllegalArgumentException.class, () -> Density.of(values, 10, -1e308, 1e308));
        assertThrows(IllegalArgumentException.class, () -> Density.of(values, 10, 0, Double.MIN_VALUE * 3));
        assertThrows(IllegalArgumentException.class, () -> Density.of(values, 10, Double.NaN, 1));
    }

    @Test
    void aJavaHookThatLoopsForeverIsStoppedByASecondCtrlC() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        String input = String.join("\n",
                "var looping = ws.model().hooks().scope();",
                "looping.add(\"hook_embed\", (name, a) -> { while (true) { } });",
                "System.out.println(\"HOOKED\");",
                "run",
                "looping.close();",
                "model") + "\n";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.OutputStream watched = new java.io.OutputStream() {
            @Override
            public synchronized void write(int c) {
                out.write(c);
            }
        };
        try (org.jline.terminal.Terminal t = new org.jline.terminal.impl.DumbTerminal("test",
                org.jline.terminal.Terminal.TYPE_DUMB, new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                watched, StandardCharsets.UTF_8)) {
            Thread ctrlC = new Thread(() -> {
                try {
                    while (!out.toString(StandardCharsets.UTF_8).contains("HOOKED")) {
                        Thread.sleep(10);
                    }
                    Thread.sleep(1500); // the pass is in the hook's loop by now
                    t.raise(org.jline.terminal.Terminal.Signal.INT); // ignored by the loop
                    Thread.sleep(500);
                    t.raise(org.jline.terminal.Terminal.Signal.INT); // stops it
                } catch (InterruptedException ignored) {
                    // the test ended first
                }
            });
            ctrlC.setDaemon(true);
            ctrlC.start();
            new Repl(t, b.session(), null).run();
            ctrlC.interrupt();
        }
        String text = OutputAudit.check(out.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("stopping the command (second Ctrl-C)"), text);
        assertTrue(text.contains("cancelled"), text);
        assertTrue(text.substring(text.lastIndexOf("cancelled")).contains("3 layers, 4 heads"), "the REPL goes on: " + text);
        assertTrue(TestSessions.model().hooks().isEmpty(), "the looping hook was removed");
    }

    @Test
    void aPasted100KbLineIsReadInLinearTimeAndNotEchoedWhole() throws Exception {
        // typed in, as a terminal without bracketed paste delivers it: each character a key
        String line = "tokens " + "x".repeat(100_000);
        byte[] input = (line + "\nmodel\n").getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.OutputStream synced = new java.io.OutputStream() {
            @Override
            public void write(int c) {
                synchronized (out) {
                    out.write(c);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (out) {
                    out.write(b, off, len);
                }
            }
        };
        // the keys, then end of input only once the REPL has answered the last line (an early end is Ctrl-D)
        java.io.InputStream keys = new java.io.InputStream() {
            private int at;

            @Override
            public int read() throws java.io.IOException {
                if (at < input.length) {
                    return input[at++] & 0xff;
                }
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (System.nanoTime() < deadline) {
                    synchronized (out) {
                        if (out.toString(StandardCharsets.UTF_8).contains("d_head 8")) {
                            return -1;
                        }
                    }
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                }
                return -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                if (len == 0) {
                    return 0;
                }
                int c = read();
                if (c < 0) {
                    return -1;
                }
                b[off] = (byte) c;
                int n = 1;
                while (n < len && at < input.length) {
                    b[off + n++] = input[at++];
                }
                return n;
            }
        };
        long start = System.nanoTime();
        try (org.jline.terminal.Terminal t = org.jline.terminal.TerminalBuilder.builder().system(false)
                .streams(keys, synced).type("xterm-256color")
                .encoding(StandardCharsets.UTF_8).size(new org.jline.terminal.Size(80, 24)).build()) {
            new Repl(t, TestSessions.session().session(), null).run();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String text;
        synchronized (out) {
            text = out.toString(StandardCharsets.UTF_8);
        }
        assertTrue(seconds < 60, "a redraw per key made this quadratic (minutes); took " + seconds + " s");
        int at = text.indexOf("error: unexpected");
        assertTrue(at >= 0, text.substring(Math.max(0, text.length() - 2000)));
        String error = text.substring(at, text.indexOf("jlens>", at)); // the message, wrapped at the terminal's width
        assertTrue(error.length() < 1500, "the 100 KB argument is not echoed whole: " + error.length() + " characters");
        assertTrue(error.contains("…"), error);
        assertTrue(text.contains("d_head 8"), "the next line runs");
        System.out.printf("[ReplRobustnessTest] 100 KB typed-in line read and refused in %.1f s%n", seconds);
    }
}
