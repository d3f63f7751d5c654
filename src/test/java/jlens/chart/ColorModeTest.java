package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ColorModeTest {
    @Test
    void noColorWinsOverEverything() {
        assertEquals(ColorMode.MONO, ColorMode.detect(
                Map.of("NO_COLOR", "1", "COLORTERM", "truecolor", "TERM", "xterm-256color"), true));
    }

    @Test
    void emptyNoColorIsIgnored() {
        assertEquals(ColorMode.COLOR256, ColorMode.detect(Map.of("NO_COLOR", "", "TERM", "xterm-256color"), true));
    }

    @Test
    void pipesAndDumbTerminalsGetMono() {
        assertEquals(ColorMode.MONO, ColorMode.detect(Map.of("TERM", "xterm-256color"), false));
        assertEquals(ColorMode.MONO, ColorMode.detect(Map.of("TERM", "dumb"), true));
        assertEquals(ColorMode.MONO, ColorMode.detect(Map.of(), true));
        assertEquals(ColorMode.COLOR16, ColorMode.detect(Map.of("TERM", "dumb-color"), true));
    }

    @Test
    void truecolorFromColortermOrDirectTerm() {
        assertEquals(ColorMode.TRUECOLOR, ColorMode.detect(Map.of("TERM", "xterm", "COLORTERM", "truecolor"), true));
        assertEquals(ColorMode.TRUECOLOR, ColorMode.detect(Map.of("TERM", "screen", "COLORTERM", "24bit"), true));
        assertEquals(ColorMode.TRUECOLOR, ColorMode.detect(Map.of("TERM", "xterm-direct"), true));
    }

    @Test
    void term256AndPlainTerm() {
        assertEquals(ColorMode.COLOR256, ColorMode.detect(Map.of("TERM", "tmux-256color"), true));
        assertEquals(ColorMode.COLOR16, ColorMode.detect(Map.of("TERM", "xterm"), true));
        assertEquals(ColorMode.COLOR16, ColorMode.detect(Map.of("TERM", "linux"), true));
    }

    @Test
    void overridesParseAndAutoMeansDetect() {
        assertEquals(Optional.of(ColorMode.TRUECOLOR), ColorMode.parse("24bit"));
        assertEquals(Optional.of(ColorMode.COLOR256), ColorMode.parse("256"));
        assertEquals(Optional.of(ColorMode.COLOR16), ColorMode.parse(" 16 "));
        assertEquals(Optional.of(ColorMode.MONO), ColorMode.parse("MONO"));
        assertEquals(Optional.empty(), ColorMode.parse("auto"));
        assertEquals(Optional.empty(), ColorMode.parse(null));
        assertThrows(IllegalArgumentException.class, () -> ColorMode.parse("lots"));
    }

    @Test
    void renderStyleTakesOverrideAndCharset() {
        Map<String, String> env = Map.of("TERM", "xterm-256color");
        RenderStyle auto = RenderStyle.detect(env, true, StandardCharsets.UTF_8, "auto");
        assertEquals(ColorMode.COLOR256, auto.mode());
        assertTrue(auto.unicode());
        RenderStyle forced = RenderStyle.detect(env, true, StandardCharsets.US_ASCII, "truecolor");
        assertEquals(ColorMode.TRUECOLOR, forced.mode());
        assertFalse(forced.unicode(), "US-ASCII cannot encode the chart glyphs");
        assertFalse(RenderStyle.canEncodeGlyphs(StandardCharsets.ISO_8859_1));
    }
}
