package jlens.repl;

import jlens.OutputAudit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jlens.Fixture;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REPL end to end through a JLine test terminal: typed lines in, printed text out. */
class ReplTerminalTest {
    @TempDir
    Path tmp;

    /** Types {@code lines} into a REPL on a dumb terminal and returns all it printed. */
    static String drive(Session session, Path history, String... lines) throws Exception {
        // JLine's DumbTerminal reads its input stream synchronously, so every typed line is read before the end
        // of the stream, which the REPL takes as Ctrl-D.
        String input = String.join("\n", lines) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Terminal t = new DumbTerminal("test", Terminal.TYPE_DUMB, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                out, StandardCharsets.UTF_8)) {
            new Repl(t, session, history).run();
        }
        return OutputAudit.check(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void demoLinesPrintTheNotebookNumbersAndSurviveErrors() throws Exception {
        Session s = TestSessions.session().session();
        Path npy = tmp.resolve("qkv1.npy");
        String out = drive(s, tmp.resolve("history"),
                "model",
                TestSessions.textLine(),
                "hook layer all",
                "hsit 1",
                "run",
                "split qkv 1",
                "split heads 2 q",
                "save " + npy + " blocks.1.attn.hook_qkv",
                "int answer = 6 * 7",
                "answer + session.workspace().config().nLayer()",
                "hook layer 9",
                "quit");
        assertTrue(out.contains("jlens: look inside GPT-2"), out);
        assertTrue(out.contains("3 layers, 4 heads, d_model 32, d_head 8"), out);
        assertTrue(out.contains(Fixture.reference().get("n_tokens").getAsInt() + " tokens"), out);
        assertTrue(out.contains("error: unknown command 'hsit'; did you mean 'hist'?"), out);
        assertTrue(out.contains("Q [30, 32], K [30, 32], V [30, 32]"), out);
        assertTrue(out.contains("4 heads of [29, 8]") && out.contains("'save FILE.npy' writes [4, 29, 8]"), out);
        assertTrue(out.contains("answer ==> 42"), out);
        assertTrue(out.contains("==> 45"), out);
        assertTrue(out.contains("error: layer 9 is out of range: the model has 3 layers, so use 0..2 or -3..-1"), out);
        assertTrue(s.quitRequested());
        float[] saved = NpyTest.readF32(npy, new long[] {30, 96});
        double[] expected = Fixture.flatten(Fixture.matrix(Fixture.reference().getAsJsonObject("c_attn_out").get("1")));
        assertTrue(Fixture.maxAbsDiff(expected, saved) < 1e-4);
        assertTrue(Files.readString(tmp.resolve("history")).contains("hook layer all"), "history is saved");
    }

    @Test
    void endOfInputLeavesCleanly() throws Exception {
        Session s = TestSessions.session().session();
        String out = drive(s, null, "help");
        assertTrue(out.contains("ablate head H|all token P"), out);
        assertTrue(out.contains("save FILE [HOOK_NAME] [--force]"), out);
        assertEquals(false, s.quitRequested());
    }

    @Test
    void multiLineJavaIsCollectedUntilComplete() throws Exception {
        Session s = TestSessions.session().session();
        String out = drive(s, null, "int twice(int x) {", "  return 2 * x;", "}", "twice(21)");
        assertTrue(out.contains("==> 42"), out);
    }

    @Test
    void ctrlCCancelsTheRunningCommandAndTheReplCarriesOn() throws Exception {
        Session s = TestSessions.session().session();
        s.interpreter().run("long warm = 0;"); // JShell starts before the Ctrl-C timer: a slow start-up would eat it
        String input = "long t0 = System.nanoTime();\n"
                + "while (true) { session.checkCancelled(); Thread.sleep(5); }\n"
                + "model\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Terminal t = new DumbTerminal("test", Terminal.TYPE_DUMB, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                out, StandardCharsets.UTF_8)) {
            Thread ctrlC = new Thread(() -> {
                try {
                    Thread.sleep(1500);
                    t.raise(Terminal.Signal.INT); // what the terminal does when Ctrl-C is pressed
                } catch (InterruptedException ignored) {
                    // the test ended first
                }
            });
            ctrlC.setDaemon(true);
            ctrlC.start();
            new Repl(t, s, null).run();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("cancelled"), text);
        assertTrue(text.contains("3 layers, 4 heads, d_model 32"), "the next line still runs: " + text);
        assertTrue(TestSessions.model().hooks().isEmpty(), "no hook outlives a command");
    }

    @Test
    void viewNeedsAFullTerminal() throws Exception {
        Session s = TestSessions.session().session();
        String out = drive(s, null, "var", "view", TestSessions.textLine(), "hook layer all", "run", "var", "view", "model");
        assertTrue(out.contains("error: no chart to view yet"), out);
        assertTrue(out.contains("error: 'view' needs a full terminal"), out);
        assertTrue(out.contains("d_model 32"), out);
    }
}
