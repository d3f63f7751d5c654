package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalTextUtils;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Data a REPL user will produce sooner or later: empty, constant, all masked, NaN, one point. */
class DegenerateDataTest {
    @Test
    void degenerateInputsStillDrawAFullWidthChart() {
        double nan = Double.NaN;
        Map<String, Chart> charts = new LinkedHashMap<>();
        charts.put("all masked", new Heatmap(new double[][] {{nan, Double.NEGATIVE_INFINITY}, {nan, nan}}));
        charts.put("constant", new Heatmap(new double[][] {{3, 3}, {3, 3}}).rowLabels("a", "b"));
        charts.put("one cell", new Heatmap(new double[][] {{1}}));
        charts.put("ragged", new Heatmap(new double[][] {{1, 2, 3}, {4}}));
        charts.put("positive infinity", new Heatmap(new double[][] {{1, Double.POSITIVE_INFINITY}}));
        charts.put("zero histogram", new Histogram("z").add(new Histogram.Series("z", new double[] {0, 1}, new double[] {0})));
        charts.put("zero log histogram", new Histogram("z").logY(true)
                .add(new Histogram.Series("z", new double[] {0, 1, 2}, new double[] {0, 0})));
        charts.put("histogram of no finite value", new Histogram("n").add(new Histogram.Series("n", new double[] {nan, nan}, new double[] {nan})));
        charts.put("one of two without edges", new Histogram("n")
                .add(new Histogram.Series("n", new double[] {nan, nan, nan}, new double[] {nan, nan}))
                .add(new Histogram.Series("k", new double[] {-1, 0, 1}, new double[] {0.2, 0.8})));
        charts.put("samples all equal", new Histogram("e").add(Histogram.Series.fromSamples("e", new double[] {2, 2, 2}, 10, true)));
        charts.put("one point line", new LinePlot("p").add(new LinePlot.Series("p", new double[] {1}, new double[] {5})));
        charts.put("nan line", new LinePlot("n").add(new LinePlot.Series("n", new double[] {0, 1, 2}, new double[] {nan, 1, nan})));
        charts.put("one point scatter", new ScatterPlot("s", new double[] {7}).highlight(0, "only"));
        charts.put("nan scatter", new ScatterPlot("s", new double[] {nan, nan}));
        charts.put("tokens with control characters", new Heatmap(new double[][] {{1, 2}, {3, 4}})
                .rowLabels("\t\u0007x", "\u4e2d\u6587").columnLabels("\r\n", "   "));
        for (Map.Entry<String, Chart> e : charts.entrySet()) {
            for (RenderStyle style : InvariantsTest.STYLES) {
                for (int width : new int[] {40, 300}) {
                    TextImage image = e.getValue().render(width, 12, style);
                    for (String line : AnsiEncoder.plainLines(image)) {
                        assertEquals(width, TerminalTextUtils.getColumnWidth(line), e.getKey() + " " + style + ": " + line);
                    }
                }
            }
        }
    }

    @Test
    void undefinedDensitiesAndEdgesAreGapsNotLinesAtZeroOrAnInventedRange() {
        double nan = Double.NaN;
        Histogram.Series k = new Histogram.Series("k", new double[] {-3, -2, -1}, new double[] {0.2, 0.8});
        String zero = plain(new Histogram("h").add(new Histogram.Series("q", new double[] {-3, -2, -1}, new double[] {0, 0})).add(k));
        String undefined = plain(new Histogram("h").add(new Histogram.Series("q", new double[] {-3, -2, -1}, new double[] {nan, nan})).add(k));
        assertTrue(dots(undefined) < dots(zero), "NaN densities drew a line at zero:\n" + undefined);
        // a series without edges takes no part in the x range: the axis is k's [-3, -1], not widened to [0, 1]
        String noEdges = plain(new Histogram("h").add(new Histogram.Series("q", new double[] {nan, nan, nan}, new double[] {nan, nan})).add(k));
        String kAlone = plain(new Histogram("h").add(new Histogram.Series("q", new double[] {-3, -2, -1}, new double[] {nan, nan})).add(k));
        assertEquals(kAlone, noEdges);
    }

    @Test
    void missingPointsKeepTheirPlaceOnTheXAxis() {
        // Layers 0 and 1 NaN, layer 2 finite: the axis still runs 0..2 with the point at its right end, not a
        // one-point axis labelled "2" in the middle.
        double nan = Double.NaN;
        String[] lines = plain(new LinePlot("p").xLabel("layer")
                .add(new LinePlot.Series("p", new double[] {0, 1, 2}, new double[] {nan, nan, -17.5}))).split("\n");
        String ticks = lines[lines.length - 2];
        assertTrue(ticks.strip().startsWith("0") && ticks.contains("1") && ticks.strip().endsWith("2"), ticks);
        int dotColumn = -1;
        for (String line : lines) {
            for (int c = 0; c < line.length(); c++) {
                if (line.charAt(c) > 0x2800 && line.charAt(c) <= 0x28FF || line.charAt(c) == '●') {
                    dotColumn = Math.max(dotColumn, c);
                }
            }
        }
        assertTrue(dotColumn >= ticks.lastIndexOf('2') - 1, "the point is at layer 2, the right end:\n" + String.join("\n", lines));
    }

    private static String plain(Chart c) {
        return String.join("\n", AnsiEncoder.plainLines(c.render(60, 14, RenderStyle.TRUECOLOR)));
    }

    private static long dots(String s) {
        return s.codePoints().filter(cp -> cp > 0x2800 && cp <= 0x28FF).mapToLong(cp -> Integer.bitCount(cp - 0x2800)).sum();
    }

    @Test
    void badArgumentsAreRefusedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> new Histogram.Series("x", new double[] {0, 1}, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> new LinePlot.Series("x", new double[] {0}, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> new Heatmap(new double[0][]));
        assertThrows(IllegalArgumentException.class, () -> new Heatmap(new double[][] {{1}}).range(1, 1));
        assertThrows(IllegalStateException.class, () -> new LinePlot("empty").render(80, 20));
        assertThrows(IndexOutOfBoundsException.class, () -> new ScatterPlot("s", new double[] {1}).highlight(3, "x"));
        assertThrows(IllegalArgumentException.class, () -> new Heatmap(new double[][] {{1}}).render(5, 3));
    }
}
