package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the REPL prints around a command: Ctrl-C during streamed output shows as {@code ^C} on a line of its own (the
 * terminal would echo it inside the text), and the known-answer model's note is said once per load, not again by
 * {@code model}.
 */
class ReplInterruptAndBannerTest {
    @Test
    void ctrlCDuringStreamedTextStandsOnALineOfItsOwn() throws Exception {
        // the known model's context (1024) leaves room for a stream still running when Ctrl-C comes (the fixture's 64 do not)
        TestSessions.Buffered b = TestSessions.session().exec("load known", "text \"The quick brown fox\"");
        BadInputCancelTest.Outcome o = BadInputCancelTest.ctrlCDuring(b.session(), "Ctrl-C stops", "generate 1000");
        String text = o.text();
        assertTrue(text.contains("\n^C\n"), text);
        Matcher m = Pattern.compile("(?m)^(.*)\\^C(.*)$").matcher(text);
        int seen = 0;
        while (m.find()) {
            seen++;
            assertEquals("", m.group(1) + m.group(2), "^C alone on its line: '" + m.group() + "'");
        }
        assertEquals(1, seen, text);
        int at = text.indexOf("\n^C\n");
        String before = text.substring(text.lastIndexOf('\n', at - 1) + 1, at);
        assertTrue(!before.isBlank(), "the streamed text ends the line before: " + text);
        assertTrue(text.indexOf("cancelled after", at) > at, text);
    }

    @Test
    void theKnownModelsNoteIsSaidOncePerLoad() throws Exception {
        Session s = TestSessions.session().session();
        String out = ReplTerminalTest.drive(s, null, "load known", "model", "model");
        String note = s.workspace().modelNote();
        assertTrue(note != null && !note.isBlank());
        assertEquals(1, out.split(Pattern.quote(note), -1).length - 1, out);
        assertEquals(3, out.split(Pattern.quote("known: 3 layers, 3 heads"), -1).length - 1, "load and each model: " + out);
        // after the banner (a fresh REPL on the known model) model does not repeat it either
        String again = ReplTerminalTest.drive(s, null, "model");
        assertEquals(1, again.split(Pattern.quote(note), -1).length - 1, "the banner's only: " + again);
    }
}
