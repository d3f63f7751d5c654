package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalTextUtils;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Properties every chart must have at every size and in every mode. */
class InvariantsTest {
    static final int[] WIDTHS = {40, 57, 80, 121, 300};
    static final int[] HEIGHTS = {8, 14, 30, 60};
    static final RenderStyle[] STYLES = {
        RenderStyle.TRUECOLOR, RenderStyle.COLOR256, new RenderStyle(ColorMode.COLOR16, true), RenderStyle.MONO,
        RenderStyle.ASCII
    };

    @Test
    void everyLineHasTheRequestedDisplayWidthAndNoLineIsTooMany() {
        Map<String, Chart> charts = new java.util.LinkedHashMap<>(Samples.all());
        charts.putAll(Samples.extra());
        for (Map.Entry<String, Chart> e : charts.entrySet()) {
            for (int width : WIDTHS) {
                for (int height : HEIGHTS) {
                    for (RenderStyle style : STYLES) {
                        String where = e.getKey() + " " + width + "x" + height + " " + style;
                        TextImage image = e.getValue().render(width, height, style);
                        assertEquals(width, image.getSize().getColumns(), where);
                        assertTrue(image.getSize().getRows() <= height, where + ": too many rows");
                        List<String> plain = AnsiEncoder.plainLines(image);
                        for (String line : plain) {
                            assertEquals(width, TerminalTextUtils.getColumnWidth(line), where + ": " + line);
                            assertFalse(line.contains("\n") || line.contains("\r") || line.contains("\t"), where);
                            if (!style.unicode()) {
                                assertTrue(line.chars().allMatch(c -> c >= 32 && c < 127), where + " not ASCII: " + line);
                            }
                        }
                        List<String> ansi = AnsiEncoder.lines(image, style.mode());
                        for (String line : ansi) {
                            if (style.mode() == ColorMode.MONO) {
                                assertFalse(line.contains("\u001b"), where + ": escape in mono");
                            } else {
                                assertTrue(line.endsWith("\u001b[0m"), where + ": line does not end with a reset");
                                assertTrue(line.startsWith("\u001b[0"), where + ": line does not start from a reset");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void titlesAndLegendsAppear() {
        String text = Samples.qkvHistogram().toText(100, 24, RenderStyle.MONO);
        assertTrue(text.contains("Layer 5: Q, K, V value density"));
        assertTrue(text.contains("● Q") && text.contains("■ K") && text.contains("▲ V"), text);
    }

    @Test
    void textIsPaddedNotTrimmed() {
        TextImage image = Samples.variancePlot().render(90, 20, RenderStyle.MONO);
        assertEquals(AnsiEncoder.plainLines(image).size(), image.getSize().getRows());
        assertTrue(AnsiEncoder.plain(image).endsWith("\n"));
    }
}
