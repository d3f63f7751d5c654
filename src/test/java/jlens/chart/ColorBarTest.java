package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.BasicTextImage;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The colour bar, read back from the ANSI text, ends in the end colours of the map the cells are drawn with (the
 * colour map as it stands out from the terminal's background, {@link Colormaps#forCells}) as the mode shows them.
 */
class ColorBarTest {
    @Test
    void barEndsAreTheCellMapsEndsInTrueColourAnd256() {
        for (Colormap map : new Colormap[] {Colormaps.MAGMA, Colormaps.VIRIDIS, Colormaps.PLASMA, Colormaps.INFERNO}) {
            for (ColorMode mode : new ColorMode[] {ColorMode.TRUECOLOR, ColorMode.COLOR256}) {
                for (Background bg : Background.values()) {
                    Colormap cells = Colormaps.forCells(map, bg);
                    for (Chart chart : new Chart[] {Samples.layerHeatmap().colormap(map), Samples.qkHeatmap().colormap(map)}) {
                        TextImage parsed = parse(chart.render(90, 22, new RenderStyle(mode, true, bg)), mode);
                        int[] top = lastPair(parsed, true);
                        int[] bottom = lastPair(parsed, false);
                        TextCharacter high = parsed.getCharacterAt(top[0], top[1]);
                        TextCharacter low = parsed.getCharacterAt(bottom[0], bottom[1]);
                        String where = map.name() + " " + mode + " " + bg;
                        assertEquals(expected(cells.high(), mode), high.getBackgroundColor(), where + " top");
                        assertEquals(expected(cells.low(), mode), low.getForegroundColor(), where + " bottom");
                    }
                }
            }
        }
    }

    @Test
    void theCellMapLeavesOutOnlyTheEndThatVanishesIntoTheBackground() {
        // magma on a dark terminal loses its near-black start, keeps its pale end; on a light one the reverse.
        Colormap dark = Colormaps.forCells(Colormaps.MAGMA, Background.DARK);
        Colormap light = Colormaps.forCells(Colormaps.MAGMA, Background.LIGHT);
        assertEquals(Colormaps.MAGMA.high(), dark.high());
        assertTrue(dark.low() != Colormaps.MAGMA.low() && dark.size() > 150, dark.size() + "");
        assertEquals(Colormaps.MAGMA.low(), light.low());
        assertTrue(light.high() != Colormaps.MAGMA.high() && light.size() > 150, light.size() + "");
        // coolwarm's white centre on a light terminal is greyed just enough, and stays the map's middle entry.
        Colormap cool = Colormaps.forCells(Colormaps.COOLWARM, Background.LIGHT);
        assertEquals(Colormaps.COOLWARM.size(), cool.size());
        int centre = cool.rgb(0.5);
        assertTrue(Contrast.ratio(centre, 0xFFFFFF) >= 1.5 && Contrast.ratio(centre, 0xFFFFFF) < 1.8, Integer.toHexString(centre));
        assertEquals(Colormaps.COOLWARM.low(), cool.low(), "its blue end reads already");
    }

    @Test
    void monoBarShowsTheRampFromLowestToHighestGlyph() {
        List<String> lines = AnsiEncoder.plainLines(Samples.layerHeatmap().render(90, 22, RenderStyle.MONO));
        String ramp = Glyphs.MONO_RAMP;
        String top = lines.stream().filter(l -> l.contains("0.4")).findFirst().orElseThrow();
        assertTrue(top.contains("" + ramp.charAt(ramp.length() - 1) + ramp.charAt(ramp.length() - 1) + " 0.4"), top);
        String bottom = lines.stream().filter(l -> l.matches(".*\\. 0 *$")).findFirst().orElseThrow();
        assertTrue(bottom.contains("" + ramp.charAt(0) + ramp.charAt(0) + " 0"), bottom);
    }

    @Test
    void pointsColouredByValueGetABarInSixteenColours() {
        // logprobs colours the vocabulary's points by log-prob: in 16 colours too the colour must read as a number
        double[] y = new double[200];
        for (int i = 0; i < y.length; i++) {
            y[i] = -20 + 20.0 * i / (y.length - 1);
        }
        RenderStyle style = new RenderStyle(ColorMode.COLOR16, true, Background.DARK);
        TextImage parsed = parse(new ScatterPlot("log-prob by id", y).yLabel("log-prob").colorByValue(Colormaps.MAGMA)
                .render(80, 20, style), ColorMode.COLOR16);
        List<String> plain = AnsiEncoder.plainLines(new ScatterPlot("log-prob by id", y).yLabel("log-prob")
                .colorByValue(Colormaps.MAGMA).render(80, 20, style));
        int[] top = null;
        int[] bottom = null;
        for (int r = 0; r < plain.size(); r++) {
            int c = plain.get(r).lastIndexOf("██");
            if (c > 0) {
                if (top == null) {
                    top = new int[] {c, r};
                }
                bottom = new int[] {c, r};
            }
        }
        assertTrue(top != null && bottom[1] - top[1] > 5, "a bar of solid cells:\n" + String.join("\n", plain));
        assertTrue(plain.get(top[1]).substring(top[0]).contains(" 0"), plain.get(top[1]));
        assertTrue(plain.get(bottom[1]).substring(bottom[0]).contains(" -20"), plain.get(bottom[1]));
        TextColor high = parsed.getCharacterAt(top[0], top[1]).getForegroundColor();
        TextColor low = parsed.getCharacterAt(bottom[0], bottom[1]).getForegroundColor();
        assertTrue(!high.equals(low) && low != TextColor.ANSI.DEFAULT, "the ends in the points' own colours: " + high + " " + low);
        assertTrue(plain.stream().noneMatch(l -> l.contains("colour: ")), "no 'colour:' note without its bar");
    }

    private static TextColor expected(int rgb, ColorMode mode) {
        TextColor colour = Draw.rgb(rgb);
        return AnsiEncoder.quantise(colour, mode);
    }

    /** The rightmost "▄▄" of the first (top) or last (bottom) row that has one: the colour bar's end cell. */
    private static int[] lastPair(TextImage image, boolean first) {
        int rows = image.getSize().getRows();
        for (int k = 0; k < rows; k++) {
            int y = first ? k : rows - 1 - k;
            for (int x = image.getSize().getColumns() - 2; x >= 0; x--) {
                if (image.getCharacterAt(x, y).getCharacterString().equals("▄")
                        && image.getCharacterAt(x + 1, y).getCharacterString().equals("▄")
                        && image.getCharacterAt(x + 1, y).getBackgroundColor() != TextColor.ANSI.DEFAULT) {
                    return new int[] {x, y};
                }
            }
        }
        throw new AssertionError("no colour bar found");
    }

    private static TextImage parse(TextImage image, ColorMode mode) {
        List<String> lines = AnsiEncoder.lines(image, mode);
        TextImage parsed = new BasicTextImage(image.getSize());
        TextGraphics g = parsed.newTextGraphics();
        for (int y = 0; y < lines.size(); y++) {
            g.putCSIStyledString(0, y, lines.get(y));
        }
        return parsed;
    }
}
