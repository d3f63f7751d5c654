package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The Java measure agrees with {@code ansi_contrast.py} on inputs whose answers were worked out by hand and
 * then confirmed with the tool (its printed line is quoted above each case).
 */
class AnsiContrastTest {
    static final String E = "\u001b[";

    @Test
    void magmaBlackBrailleFailsOnDarkAndPassesOnLight() {
        // rgb(0,0,4): luminance 0.0722 * (4/255/12.92) = 8.8e-5, so 1.00:1 on black and 20.9:1 on white;
        // grey 138 (0.254) reaches 6.08:1 and 3.45:1.
        // tool, dark:  "2 of 3 coloured data glyphs below 3.0:1 ... (66.7%); worst 1.00:1 for rgb(0, 0, 4) '⣿'"
        // tool, light: "0 of 3 coloured data glyphs below 3.0:1 ... (0.0%)"
        String ansi = E + "0;38;2;0;0;4m⣿⣿" + E + "0m " + E + "0;38;2;138;138;138m│" + E + "0m\n";
        AnsiContrast.Result dark = AnsiContrast.measure(ansi, Background.DARK, 3.0, AnsiContrast.Glyphs.PYTHON);
        assertEquals(3, dark.total());
        assertEquals(2, dark.below());
        assertEquals(1.00, dark.worst(), 0.005);
        assertEquals(0x000004, dark.worstRgb());
        assertEquals('⣿', dark.worstGlyph());
        assertFalse(dark.passesLikeTheTool());
        AnsiContrast.Result light = AnsiContrast.measure(ansi, Background.LIGHT, 3.0, AnsiContrast.Glyphs.PYTHON);
        assertEquals(3, light.total());
        assertEquals(0, light.below());
        assertEquals(3.45, light.worst(), 0.005); // the grey axis is the least visible on white
        assertTrue(light.passesLikeTheTool());
    }

    @Test
    void palette256HeatmapCellsAndText() {
        // 38;5;244 is grey 128 (luminance 0.216): 5.32:1 on black, 3.95:1 on white. The half block has a
        // background of its own (a heatmap cell) and is not judged; letters are not data glyphs for the tool.
        // tool, dark and light: "0 of 1 coloured data glyphs below 3.0:1"
        String ansi = E + "38;5;244m●" + E + "0m" + E + "48;5;16m" + E + "38;5;16m▄" + E + "0m" + E + "38;5;231mabc" + E + "0m\n";
        AnsiContrast.Result dark = AnsiContrast.measure(ansi, Background.DARK, 3.0, AnsiContrast.Glyphs.PYTHON);
        assertEquals(1, dark.total());
        assertEquals(0, dark.below());
        assertEquals(5.32, dark.worst(), 0.01);
        AnsiContrast.Result light = AnsiContrast.measure(ansi, Background.LIGHT, 3.0, AnsiContrast.Glyphs.PYTHON);
        assertEquals(1, light.total());
        assertEquals(3.95, light.worst(), 0.01);
        // The strict reading also judges the white letters: invisible on white.
        AnsiContrast.Result strict = AnsiContrast.measure(ansi, Background.LIGHT, 3.0, AnsiContrast.Glyphs.STRICT);
        assertEquals(4, strict.total());
        assertEquals(3, strict.below());
        assertEquals(1.0, strict.worst(), 1e-9);
    }

    @Test
    void sixteenColourCodesBoldAndDefaultForeground() {
        // 90 is grey 127 (5.24:1 on black); 34 is blue (0,0,238), luminance 0.0617: 2.23:1 on black; the bold red
        // (255,95,95), luminance 0.303, is 2.98:1 on white; after 39 the glyph has no colour and is not judged.
        // tool, dark:  "1 of 3 ... (33.3%); worst 2.23:1 for rgb(0, 0, 238) '✚'"
        // tool, light: "1 of 3 ... (33.3%); worst 2.98:1 for rgb(255, 95, 95) '◉'"
        String ansi = E + "90m⠿" + E + "0m" + E + "34m✚" + E + "0m" + E + "1;38;2;255;95;95m◉" + E + "39m◉" + E + "0m\n";
        AnsiContrast.Result dark = AnsiContrast.measure(ansi, Background.DARK, 3.0, AnsiContrast.Glyphs.PYTHON);
        assertEquals(3, dark.total());
        assertEquals(1, dark.below());
        assertEquals(2.23, dark.worst(), 0.005);
        assertEquals(0x0000EE, dark.worstRgb());
        AnsiContrast.Result light = AnsiContrast.measure(ansi, Background.LIGHT, 3.0, AnsiContrast.Glyphs.PYTHON);
        assertEquals(1, light.below());
        assertEquals(2.98, light.worst(), 0.005);
        assertEquals(0xFF5F5F, light.worstRgb());
    }
}
