package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guided start: the start screen at the first start (no history yet) and as 'help start', and the tour through a
 * scripted terminal (Enter runs the next step, q leaves, other lines run between steps) and in a row ('tour all'),
 * where every step's claim about the known-answer model is checked against what it printed.
 */
class TourTest {
    @TempDir
    Path tmp;

    @Test
    void everyStepRunsAndShowsWhatItSaysToLookFor() {
        TestSessions.Buffered b = TestSessions.session().exec("tour all");
        String out = b.take();
        int n = Tour.STEPS.size();
        for (int i = 0; i < n; i++) {
            Tour.Step step = Tour.STEPS.get(i);
            assertTrue(out.contains("tour " + (i + 1) + " of " + n + ": " + step.title()), "step " + (i + 1) + " shown:\n" + out);
            assertTrue(out.contains(Repl.PROMPT + step.command()), "step " + (i + 1) + " echoes its command");
        }
        assertTrue(out.contains("That was the tour."), out);
        assertEquals("known", b.session().workspace().modelName(), "the tour runs on the known-answer model");
        // what the steps say to look for, as the known-answer model shows it
        assertTrue(Pattern.compile("(?m)^ +1 +1\\.2 +0\\.[0-9]").matcher(out).find(), "detect ranks 1.2 first:\n" + out);
        assertTrue(Pattern.compile("(?m)^ +1 +2 +(-[0-9.]+) ").matcher(out).find(), "ablate's layer-1 row");
        assertTrue(Pattern.compile("(?m)^ +0 +1 +1 +").matcher(out).find() && Pattern.compile("(?m)^ +1 +2 +1 +").matcher(out).find(),
                "patch heads: 0.1 and 1.2 restore the answer:\n" + out);
        // 1.2 first, with nearly all of the logit (the name mover 2.1 adds a little on this text)
        java.util.regex.Matcher dla = Pattern.compile("(?m)^  component  contribution\n  head 1\\.2 +([0-9.]+)").matcher(out);
        assertTrue(dla.find() && Double.parseDouble(dla.group(1)) > 15, "dla credits head 1.2:\n" + out);
        assertTrue(Pattern.compile("selftest: all [0-9]+ checks passed").matcher(out).find(), out);
        // ranks count from 1 in the lens as in logprobs: the model's own prediction "." is rank 1 in the last row
        assertTrue(Pattern.compile("(?m)^ +[0-9]+ +final +-0\\.000[0-9]+ +1 +\\. ").matcher(out).find(), "lens ranks from 1:\n" + out);
        assertTrue(out.contains(" The quick brown fox") && out.contains(" cat cat"), "generation copies, steered it says cat:\n" + out);
        assertTrue(out.contains("the current token is '.'") && out.contains("the previous token is '\u00b7dog'"),
                "the known SAE names the token and the one before:\n" + out);
        // path patching into 1.2's keys: 0.1 carries the whole effect; EAP-IG's circuit is the copy, through the keys
        assertTrue(out.contains("path patching to 1.2 k") && out.contains("-1.00"), "0.1's path reaches 1.2's keys:\n" + out);
        assertTrue(Pattern.compile("(?m)^  a0\\.h1->a1\\.h2<k> +-[0-9]").matcher(out).find()
                && Pattern.compile("(?m)^  a1\\.h2->logits +-[0-9]").matcher(out).find(), "the circuit's edges:\n" + out);
        assertTrue(b.session().workspace().interventions().isEmpty(), "the tour leaves nothing in force");
        assertFalse(b.session().tour().active());
    }

    @Test
    void enterRunsTheNextStepQLeavesAndCommandsRunBetween() throws Exception {
        Session s = TestSessions.session().session();
        String out = ReplTerminalTest.drive(s, null, "tour", "", "tokens", "", "q", "", "model");
        assertTrue(out.contains("tour 1 of " + Tour.STEPS.size()) && out.contains("tour 2 of") && out.contains("tour 3 of"), out);
        assertFalse(out.contains("tour 4 of"), "q leaves before step 4:\n" + out);
        assertTrue(out.contains("Enter: step 2 of " + Tour.STEPS.size() + " (text)"), out);
        // 'tokens' between steps 2 and 3 ran on the tour's text, and did not advance the tour
        assertTrue(out.indexOf("·quick") < out.indexOf("tour 3 of"), out);
        assertTrue(out.contains("left the tour at step 4 of " + Tour.STEPS.size() + "; 'tour 4' goes on from there"), out);
        assertFalse(s.tour().active());
        assertTrue(out.contains("known: 3 layers, 3 heads"), "the line after the tour runs as usual:\n" + out);
        assertEquals(1, count(out, "tour 3 of"), "a blank line after the tour does nothing");
    }

    @Test
    void aTourStartedLaterCatchesUpOnWhatItsStepNeeds() {
        TestSessions.Buffered b = TestSessions.session().exec("tour 8");
        String out = b.take();
        assertEquals(Tour.PROMPT, Repl.prompt(b.session()), "the prompt says a tour is under way");
        assertTrue(out.contains("catching up"), out);
        assertTrue(out.contains(Repl.PROMPT + "metric logprob") && out.contains("tour 8 of"), out);
        assertFalse(out.contains("tour 3 of"), "steps that set nothing are not run:\n" + out);
        assertTrue(Pattern.compile("(?m)^ +1 +2 +1 +").matcher(out).find(), "patch heads ran:\n" + out);
        TestSessions.assertOneLineError(b, "tour 99", "the tour has steps 1.." + Tour.STEPS.size());
        b.exec("tour stop");
        assertEquals(Repl.PROMPT, Repl.prompt(b.session()));
    }

    @Test
    void theStartScreenAtTheFirstStartOnly() throws Exception {
        Path history = tmp.resolve("history");
        String first = ReplTerminalTest.drive(TestSessions.session().session(), history, "model");
        assertTrue(first.contains("New to jlens?") && first.contains("tour ") && first.contains("help workflow"), first);
        assertTrue(Files.exists(history));
        String second = ReplTerminalTest.drive(TestSessions.session().session(), history, "model");
        assertFalse(second.contains("New to jlens?"), second);
        TestSessions.Buffered b = TestSessions.session().exec("help start");
        String help = b.take();
        assertTrue(help.contains("It comes with a known-answer model too"), help);
        b.exec("load known", "help start");
        assertTrue(b.take().contains("The model above is the known-answer model"));
    }

    private static int count(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }
}
