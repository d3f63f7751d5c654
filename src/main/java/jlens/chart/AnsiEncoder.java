package jlens.chart;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link TextImage} into text lines: ANSI SGR escapes for a {@link ColorMode}, or plain characters.
 *
 * <p>Every ANSI line starts from a reset and ends with {@code ESC[0m} before the newline, so no colour leaks
 * into the next line or the prompt (back-colour-erase smears a background that is still set at a newline).
 * MONO lines carry no escape at all. Lines are never wrapped or trimmed: each has exactly the image's width.
 */
public final class AnsiEncoder {
    static final String ESC = "\u001b[";
    static final String RESET = ESC + "0m";

    private AnsiEncoder() {}

    /** One string per image row, encoded for {@code mode}. */
    public static List<String> lines(TextImage image, ColorMode mode) {
        if (mode == ColorMode.MONO) {
            return plainLines(image);
        }
        TerminalSize size = image.getSize();
        List<String> lines = new ArrayList<>(size.getRows());
        StringBuilder line = new StringBuilder(size.getColumns() * 4);
        for (int y = 0; y < size.getRows(); y++) {
            line.setLength(0);
            String current = null; // so every line opens with a reset: nothing from before leaks in
            for (int x = 0; x < size.getColumns(); x++) {
                TextCharacter c = image.getCharacterAt(x, y);
                String sgr = sgr(c, mode);
                if (!sgr.equals(current)) {
                    // Start each change from a reset, so that going back to the default colour needs no
                    // separate "default" code and the state never depends on what came before.
                    line.append(ESC).append('0');
                    if (!sgr.isEmpty()) {
                        line.append(';').append(sgr);
                    }
                    line.append('m');
                    current = sgr;
                }
                line.append(c.getCharacterString());
            }
            line.append(RESET);
            lines.add(line.toString());
        }
        return lines;
    }

    /** The whole image for {@code mode}, one line per row, each ended by {@code \n}. */
    public static String encode(TextImage image, ColorMode mode) {
        StringBuilder all = new StringBuilder();
        for (String line : lines(image, mode)) {
            all.append(line).append('\n');
        }
        return all.toString();
    }

    /** The characters of each row, without any colour. */
    public static List<String> plainLines(TextImage image) {
        TerminalSize size = image.getSize();
        List<String> lines = new ArrayList<>(size.getRows());
        for (int y = 0; y < size.getRows(); y++) {
            StringBuilder line = new StringBuilder(size.getColumns());
            for (int x = 0; x < size.getColumns(); x++) {
                line.append(image.getCharacterAt(x, y).getCharacterString());
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /** The characters of the image, one line per row, each ended by {@code \n}. */
    public static String plain(TextImage image) {
        return String.join("\n", plainLines(image)) + "\n";
    }

    /** The SGR parameters (between {@code ESC[} and {@code m}, no leading reset) of one cell. */
    static String sgr(TextCharacter c, ColorMode mode) {
        StringBuilder sgr = new StringBuilder();
        if (c.getModifiers().contains(SGR.BOLD)) {
            sgr.append('1');
        }
        appendColour(sgr, c.getForegroundColor(), mode, false);
        appendColour(sgr, c.getBackgroundColor(), mode, true);
        return sgr.toString();
    }

    private static void appendColour(StringBuilder sgr, TextColor colour, ColorMode mode, boolean background) {
        String code = colourCode(colour, mode, background);
        if (!code.isEmpty()) {
            if (sgr.length() > 0) {
                sgr.append(';');
            }
            sgr.append(code);
        }
    }

    /** The SGR code of one colour in {@code mode}; empty for the terminal's default colour. */
    static String colourCode(TextColor colour, ColorMode mode, boolean background) {
        if (colour == null || colour == TextColor.ANSI.DEFAULT || mode == ColorMode.MONO) {
            return "";
        }
        if (colour instanceof TextColor.ANSI) {
            return new String(background ? colour.getBackgroundSGRSequence() : colour.getForegroundSGRSequence());
        }
        int rgb = rgbOf(colour);
        return switch (mode) {
            case TRUECOLOR -> (background ? "48;2;" : "38;2;")
                    + ((rgb >> 16) & 0xFF) + ';' + ((rgb >> 8) & 0xFF) + ';' + (rgb & 0xFF);
            case COLOR256 -> (background ? "48;5;" : "38;5;")
                    + (colour instanceof TextColor.Indexed ? indexOf(colour) : Xterm256.nearest256(rgb));
            case COLOR16 -> {
                int index = Xterm256.nearest16(rgb);
                int base = index < 8 ? (background ? 40 : 30) + index : (background ? 100 : 90) + index - 8;
                yield Integer.toString(base);
            }
            case MONO -> "";
        };
    }

    /** What a cell colour becomes on a terminal in {@code mode}: the colour a round trip should read back. */
    public static TextColor quantise(TextColor colour, ColorMode mode) {
        if (colour == null || colour instanceof TextColor.ANSI || mode == ColorMode.TRUECOLOR) {
            return colour;
        }
        if (mode == ColorMode.MONO) {
            return TextColor.ANSI.DEFAULT;
        }
        if (mode == ColorMode.COLOR256) {
            return colour instanceof TextColor.Indexed ? colour : new TextColor.Indexed(Xterm256.nearest256(rgbOf(colour)));
        }
        return TextColor.ANSI.values()[Xterm256.nearest16(rgbOf(colour)) < 8
                ? Xterm256.nearest16(rgbOf(colour))
                : Xterm256.nearest16(rgbOf(colour)) + 1];
    }

    static int rgbOf(TextColor colour) {
        return colour.getRed() << 16 | colour.getGreen() << 8 | colour.getBlue();
    }

    private static int indexOf(TextColor colour) {
        String seq = new String(colour.getForegroundSGRSequence()); // "38;5;n"
        return Integer.parseInt(seq.substring(seq.lastIndexOf(';') + 1));
    }
}
