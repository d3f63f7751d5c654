package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Series that lie on top of each other stay visible (their shared cells take each colour in turn, their markers
 * sit side by side) and the title says which coincide; curves that only share a histogram's zero line do not.
 */
class SeriesOverlapTest {
    private static String rgb(int c) {
        return String.format("38;2;%d;%d;%d", (c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF);
    }

    @Test
    void equalLinesAreBothDrawnAndSaidToCoincide() {
        double[] layers = {0, 1, 2, 3};
        LinePlot plot = new LinePlot("variance by layer")
                .add(new LinePlot.Series("Q", layers, new double[] {4.1, 3.0, 2.3, 2.0}))
                .add(new LinePlot.Series("K", layers, new double[] {4.1, 3.0, 2.3, 2.0}))
                .add(new LinePlot.Series("V", layers, new double[] {0.2, 0.3, 0.25, 0.2}));
        String ansi = plot.toText(80, 20, RenderStyle.TRUECOLOR);
        List<String> lines = AnsiEncoder.plainLines(plot.render(80, 20, RenderStyle.TRUECOLOR));
        assertTrue(lines.get(0).contains("(Q and K coincide, drawn in turn)"), lines.get(0));
        // K is drawn after Q on the same cells: Q's colour shows too, on the line and in its markers
        int q = Colormaps.categorical(0, Background.DARK);
        int k = Colormaps.categorical(1, Background.DARK);
        String body = String.join("\n", ansi.lines().skip(2).toList()); // past the title and the legend
        for (int c : new int[] {q, k}) {
            java.util.regex.Matcher line = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(rgb(c)) + "m[\u2801-\u28ff]")
                    .matcher(body);
            int cells = 0;
            while (line.find()) {
                cells++;
            }
            assertTrue(cells >= 5, "line cells in " + Integer.toHexString(c) + ": " + cells);
        }
        long sideBySide = lines.stream().filter(l -> l.contains("\u25cf\u25a0")).count(); // ●■
        assertTrue(sideBySide >= 4, "Q's and K's markers side by side at every layer:\n" + String.join("\n", lines));
        LinePlot apart = new LinePlot("apart").add(new LinePlot.Series("Q", layers, new double[] {4, 3, 2, 1}))
                .add(new LinePlot.Series("K", layers, new double[] {1, 2, 3, 4}));
        assertFalse(AnsiEncoder.plainLines(apart.render(80, 20, RenderStyle.TRUECOLOR)).get(0).contains("coincide"));
    }

    @Test
    void histogramsThatShareOnlyTheZeroLineDoNotCoincide() {
        double[] narrow = new double[400];
        double[] wide = new double[400];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < narrow.length; i++) {
            narrow[i] = 0.1 * r.nextGaussian();
            wide[i] = 2 * r.nextGaussian();
        }
        Histogram apart = new Histogram("apart").add(Histogram.Series.fromSamples("Q", narrow, 60, -8, 8, true))
                .add(Histogram.Series.fromSamples("V", wide, 60, -8, 8, true));
        assertFalse(AnsiEncoder.plainLines(apart.render(80, 20, RenderStyle.MONO)).get(0).contains("coincide"));
        Histogram same = new Histogram("same").add(Histogram.Series.fromSamples("Q", narrow, 60, -8, 8, true))
                .add(Histogram.Series.fromSamples("K", narrow.clone(), 60, -8, 8, true))
                .add(Histogram.Series.fromSamples("V", wide, 60, -8, 8, true));
        assertTrue(AnsiEncoder.plainLines(same.render(80, 20, RenderStyle.MONO)).get(0).contains("(Q and K coincide"));
    }
}
