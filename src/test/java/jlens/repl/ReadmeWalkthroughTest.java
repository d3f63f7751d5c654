package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jlens.analysis.LogProbs;
import jlens.analysis.QkvVariances;
import org.junit.jupiter.api.Test;

/** The Java walk-through in README.md, read from the README itself and run line by line on the fixture. */
class ReadmeWalkthroughTest {
    private static final String MARKER = "<!-- walkthrough: run by ReadmeWalkthroughTest -->";

    static List<String> walkthrough() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int at = readme.indexOf(MARKER);
        assertTrue(at >= 0, "README.md has no walk-through marker");
        int open = readme.indexOf("```java\n", at);
        int close = readme.indexOf("\n```", open + 8);
        return readme.substring(open + 8, close).lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void readmeJavaWalkthroughRuns() throws Exception {
        List<String> lines = walkthrough();
        assertTrue(lines.size() >= 10, "the walk-through is " + lines.size() + " lines");
        TestSessions.Buffered b = TestSessions.session();
        for (String line : lines) {
            b.exec(line); // a failing line throws: the README would be wrong
        }
        String out = b.take();
        var ws = b.session().workspace();

        // The sweep's clean log-prob, printed by the walk-through, is the log-prob read straight off the logits.
        LogProbs.AtPosition lp = LogProbs.at(ws.model(), ws.ids(), -2, 1);
        Matcher m = Pattern.compile("clean log-prob (-?[0-9.,]+); zeroing head 0 moves it most in layer (\\d+)").matcher(out);
        assertTrue(m.find(), "no sweep line in:\n" + out);
        assertEquals(String.format("%.4f", lp.next().logProb()), m.group(1));
        assertTrue(Integer.parseInt(m.group(2)) < ws.config().nLayer());

        // The last line ran 'var' on the same workspace: its table and its record.
        assertTrue(out.contains("unbiased variance of Q, K, V per layer"), out);
        assertInstanceOf(QkvVariances.ByLayer.class, ws.lastResult());
        assertEquals(ws.config().nLayer(), ws.lastResult(QkvVariances.ByLayer.class).layers());
        assertFalse(ws.captured().isEmpty());
    }
}
