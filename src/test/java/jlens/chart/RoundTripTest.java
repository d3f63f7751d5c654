package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.BasicTextImage;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.List;
import java.util.Map;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;
import org.junit.jupiter.api.Test;

/**
 * The ANSI text parsed back by another implementation (Lanterna's SGR parser, and JLine's) gives the
 * characters and colours of the image, after the colour mode's quantisation.
 */
class RoundTripTest {
    @Test
    void lanternaParsesBackTheSameCellsInEveryColourMode() {
        // Lanterna 3.1.3 does not parse the bright colours 90-97 of 16-colour mode; JLine checks that mode below.
        for (ColorMode mode : new ColorMode[] {ColorMode.TRUECOLOR, ColorMode.COLOR256}) {
            for (Map.Entry<String, Chart> e : Samples.all().entrySet()) {
                RenderStyle style = new RenderStyle(mode, true);
                TextImage image = e.getValue().render(97, 22, style);
                List<String> lines = AnsiEncoder.lines(image, mode);
                TextImage parsed = new BasicTextImage(image.getSize());
                TextGraphics g = parsed.newTextGraphics();
                for (int y = 0; y < lines.size(); y++) {
                    g.putCSIStyledString(0, y, lines.get(y));
                }
                compare(e.getKey() + " " + mode, image, parsed, mode);
            }
        }
    }

    @Test
    void jlineReadsTheSameCharactersAndColoursInEveryColourMode() {
        for (ColorMode mode : new ColorMode[] {ColorMode.TRUECOLOR, ColorMode.COLOR256, ColorMode.COLOR16}) {
            for (Map.Entry<String, Chart> e : Samples.all().entrySet()) {
                checkWithJLine(e.getKey(), e.getValue(), mode);
            }
        }
    }

    private static void checkWithJLine(String name, Chart chart, ColorMode mode) {
        {
            TextImage image = chart.render(83, 19, new RenderStyle(mode, true));
            List<String> lines = AnsiEncoder.lines(image, mode);
            List<String> plain = AnsiEncoder.plainLines(image);
            for (int y = 0; y < lines.size(); y++) {
                AttributedString parsed = AttributedString.fromAnsi(lines.get(y));
                assertEquals(plain.get(y), parsed.toString(), name + " " + mode + " line " + y);
                for (int x = 0; x < parsed.length(); x++) {
                    TextCharacter c = image.getCharacterAt(x, y);
                    assertEquals(expectedStyle(c, mode).getStyle(), parsed.styleAt(x).getStyle(),
                            name + " " + mode + " style at " + x + "," + y);
                }
            }
        }
    }

    /** The JLine style a cell should read back as: its RGB colours and bold, nothing else. */
    private static AttributedStyle expectedStyle(TextCharacter c, ColorMode mode) {
        AttributedStyle style = AttributedStyle.DEFAULT;
        if (c.getModifiers().contains(com.googlecode.lanterna.SGR.BOLD)) {
            style = style.bold();
        }
        if (c.getForegroundColor() != TextColor.ANSI.DEFAULT) {
            int rgb = AnsiEncoder.rgbOf(c.getForegroundColor());
            style = switch (mode) {
                case TRUECOLOR -> style.foregroundRgb(rgb);
                case COLOR256 -> style.foreground(Xterm256.nearest256(rgb));
                default -> style.foreground(Xterm256.nearest16(rgb));
            };
        }
        if (c.getBackgroundColor() != TextColor.ANSI.DEFAULT) {
            int rgb = AnsiEncoder.rgbOf(c.getBackgroundColor());
            style = switch (mode) {
                case TRUECOLOR -> style.backgroundRgb(rgb);
                case COLOR256 -> style.background(Xterm256.nearest256(rgb));
                default -> style.background(Xterm256.nearest16(rgb));
            };
        }
        return style;
    }

    private static void compare(String where, TextImage image, TextImage parsed, ColorMode mode) {
        TerminalSize size = image.getSize();
        for (int y = 0; y < size.getRows(); y++) {
            for (int x = 0; x < size.getColumns(); x++) {
                TextCharacter a = image.getCharacterAt(x, y);
                TextCharacter b = parsed.getCharacterAt(x, y);
                String at = where + " at " + x + "," + y;
                assertEquals(a.getCharacterString(), b.getCharacterString(), at);
                assertEquals(rgbOrDefault(AnsiEncoder.quantise(a.getForegroundColor(), mode)),
                        rgbOrDefault(b.getForegroundColor()), at + " fg");
                assertEquals(rgbOrDefault(AnsiEncoder.quantise(a.getBackgroundColor(), mode)),
                        rgbOrDefault(b.getBackgroundColor()), at + " bg");
                assertEquals(a.getModifiers(), b.getModifiers(), at + " modifiers");
            }
        }
    }

    /** A colour as "default" or its RGB value, so Indexed(196) equals RGB(255,0,0) when they are one colour. */
    private static String rgbOrDefault(TextColor c) {
        if (c == null || c == TextColor.ANSI.DEFAULT) {
            return "default";
        }
        if (c instanceof TextColor.ANSI) {
            return "ansi " + c;
        }
        return String.format("#%06x", AnsiEncoder.rgbOf(c));
    }
}
