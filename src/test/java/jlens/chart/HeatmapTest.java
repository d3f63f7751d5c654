package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HeatmapTest {
    @Test
    void maskedCellsAreBlankAndUncoloured() {
        double n = Double.NaN;
        double m = Double.NEGATIVE_INFINITY;
        Heatmap h = new Heatmap(new double[][] {{1, n}, {2, m}}).rowLabels("a", "b").columnLabels("x", "y");
        TextImage image = h.render(60, 20, RenderStyle.TRUECOLOR);
        int masked = 0;
        int coloured = 0;
        for (int y = 0; y < image.getSize().getRows(); y++) {
            for (int x = 0; x < image.getSize().getColumns(); x++) {
                TextCharacter c = image.getCharacterAt(x, y);
                if (c.getCharacterString().equals("▄")) {
                    coloured++;
                }
            }
        }
        List<String> mono = AnsiEncoder.plainLines(h.render(60, 20, RenderStyle.MONO));
        for (String line : mono) {
            if (Pattern.compile("^\\s*[ab] ┤").matcher(line).find()) {
                masked++;
            }
        }
        assertTrue(masked >= 2, "both rows labelled: " + mono);
        assertTrue(coloured > 0);
        // Every cell of the masked column has the default background and no block glyph.
        int plotLeft = AnsiEncoder.plainLines(image).get(2).indexOf('┤') + 1;
        int width = 0;
        while (image.getCharacterAt(plotLeft + width, 2).getCharacterString().equals("▄")) {
            width++;
        }
        for (int y = 2; y < image.getSize().getRows() - 3; y++) {
            for (int x = plotLeft + width; x < plotLeft + 2 * width; x++) {
                TextCharacter c = image.getCharacterAt(x, y);
                assertEquals(" ", c.getCharacterString(), "masked cell at " + x + "," + y);
                assertEquals(TextColor.ANSI.DEFAULT, c.getBackgroundColor());
            }
        }
    }

    @Test
    void originBottomPutsRowZeroLowest() {
        double[][] m = {{0, 1}, {1, 2}, {2, 3}};
        List<String> top = AnsiEncoder.plainLines(new Heatmap(m).rowLabels("r0", "r1", "r2").render(60, 20, RenderStyle.MONO));
        List<String> bottom = AnsiEncoder.plainLines(new Heatmap(m).rowLabels("r0", "r1", "r2").originBottom(true)
                .render(60, 20, RenderStyle.MONO));
        assertTrue(lineOf(top, "r0") < lineOf(top, "r2"));
        assertTrue(lineOf(bottom, "r0") > lineOf(bottom, "r2"));
    }

    @Test
    void crowdedLabelsAreThinnedNeverOverlapped() {
        int n = 60;
        double[][] m = new double[n][n];
        String[] labels = new String[n];
        for (int i = 0; i < n; i++) {
            labels[i] = "tok" + i;
            for (int j = 0; j < n; j++) {
                m[i][j] = Math.sin(i * 0.3) + Math.cos(j * 0.2);
            }
        }
        for (int width : new int[] {40, 80, 150}) {
            List<String> lines = AnsiEncoder.plainLines(
                    new Heatmap(m).rowLabels(labels).columnLabels(labels).render(width, 24, RenderStyle.MONO));
            int axis = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains("└")) {
                    axis = i;
                }
            }
            String labelRow = lines.get(axis + 1).strip();
            List<String> words = new ArrayList<>(List.of(labelRow.split(" +")));
            assertTrue(words.size() >= 2, "some column labels shown at " + width + ": " + labelRow);
            for (String w : words) {
                assertTrue(w.matches("tok\\d+|tok\\d*…|to…|t…"), "label run together at " + width + ": " + labelRow);
            }
            for (int i = 0; i < axis; i++) {
                if (!lines.get(i).contains("┤") && !lines.get(i).contains("│")) {
                    continue; // title and header rows
                }
                String left = lines.get(i).split("[┤│]")[0];
                assertTrue(left.strip().split(" +").length <= 1, "two row labels on one line: " + lines.get(i));
            }
        }
    }

    @Test
    void bigMatricesArePooledAndSaySo() {
        double[][] m = new double[36][100];
        String text = new Heatmap(m).title("t").render(80, 20, RenderStyle.MONO).toString();
        String first = AnsiEncoder.plainLines(new Heatmap(m).title("t").render(80, 20, RenderStyle.MONO)).get(0);
        assertTrue(first.contains("pooled 36→"), first);
        assertTrue(first.contains("100→"), first);
        assertFalse(text.isEmpty());
    }

    @Test
    void fixedRangeClampsToTheMapEnds() {
        double[][] m = {{-100, 100}};
        TextImage image = new Heatmap(m).range(0, 1).colormap(Colormaps.VIRIDIS).columnLabels("a", "b")
                .render(50, 12, RenderStyle.TRUECOLOR);
        List<Integer> colours = new ArrayList<>();
        int row = 0;
        while (!AnsiEncoder.plainLines(image).get(row).contains("▄")) {
            row++;
        }
        for (int x = 0; x < image.getSize().getColumns(); x++) {
            TextCharacter c = image.getCharacterAt(x, row);
            if (c.getCharacterString().equals("▄") && !colours.contains(AnsiEncoder.rgbOf(c.getForegroundColor()))) {
                colours.add(AnsiEncoder.rgbOf(c.getForegroundColor()));
            }
        }
        Colormap cells = Colormaps.forCells(Colormaps.VIRIDIS, Background.DARK); // the map as it reads on the background
        assertEquals(cells.low(), colours.get(0));
        assertTrue(colours.contains(cells.high()));
    }

    @Test
    void aSmallNumberedGridIsWrittenOutCellByCell() {
        double[][] scores = {{0.0, 0.5, 1e-9}, {0.25, -0.004, 1.0}};
        Heatmap map = new Heatmap(scores).rowLabels("0", "1").xLabel("head").yLabel("layer").originBottom(true);
        List<String> lines = AnsiEncoder.plainLines(map.render(80, 12, RenderStyle.MONO));
        String text = String.join("\n", lines);
        // three digits for the largest value (1.00), all with its decimals; exact zeros as 0, a rounded -0.004 as 0.00;
        // layer 1 above layer 0; every head numbered; "head" below
        int one = lineOf(lines, "1");
        int zero = lineOf(lines, "0");
        assertTrue(one >= 0 && zero > one, text);
        assertTrue(lines.get(one).matches(".* 0\\.25 . 0\\.00 . 1\\.00 .*"), lines.get(one));
        assertTrue(lines.get(zero).matches(".* 0 .* 0\\.50 . 0\\.00 .*"), lines.get(zero));
        assertTrue(lines.stream().anyMatch(l -> l.strip().equals("head")), text);
        assertTrue(lines.stream().anyMatch(l -> l.matches(" *0 +1 +2 *")), "a tick per head: " + text);
        // cells about square: each value sits in a band of at least two rows
        assertTrue(zero - one >= 2, text);
        // with labelled columns (tokens) or a value range, the grid stays a colour field
        assertFalse(String.join("", AnsiEncoder.plainLines(new Heatmap(scores).columnLabels("a", "b", "c")
                .render(80, 12, RenderStyle.MONO))).contains("0.500"));
    }

    private static int lineOf(List<String> lines, String label) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().startsWith(label + " ")) {
                return i;
            }
        }
        throw new AssertionError(label + " not found in " + lines);
    }
}
