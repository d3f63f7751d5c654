package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A figure saved from the REPL stands on its own: its title says which layer and head, its axes what they are,
 * and a small layer x head grid has its values written in the cells as in the terminal.
 */
class FigureTitlesTest {
    @TempDir
    Path tmp;

    @Test
    void aPatternFigureNamesItsLayerHeadAndAxes() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "pattern 1 2");
        Path svg = tmp.resolve("pattern.svg");
        b.exec("save " + svg);
        String text = Files.readString(svg);
        assertTrue(text.contains(">layer 1 head 2<"), "the title names layer and head");
        assertTrue(text.contains(">query<") && text.contains(">key<"), "the axes are named");
    }

    @Test
    void aSmallHeadGridFigureWritesItsValues() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "detect previous-token");
        String shown = b.take();
        Path svg = tmp.resolve("detect.svg");
        b.exec("save " + svg);
        String text = Files.readString(svg);
        // the fixture has 3 layers x 4 heads: twelve values, each written in the terminal and in the figure
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(">(-?[0-9]+\\.[0-9]+|0)<").matcher(text);
        int values = 0;
        while (m.find()) {
            if (shown.contains(" " + m.group(1) + " ")) {
                values++;
            }
        }
        assertTrue(values >= 12, values + " cell values in the figure also in the terminal:\n" + shown);
        assertTrue(text.contains(">head<") && text.contains(">layer<"));
    }
}
