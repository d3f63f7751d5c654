package jlens.chart;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;

/**
 * Small drawing helpers over a {@link TextImage}: text that clips at the edges, coloured cells. Every character
 * passes through {@link TerminalText#escape(char)}: labels carry token strings, which may hold control characters.
 */
final class Draw {
    /** The colour of axes, ticks and frames: a mid grey readable on dark and light backgrounds. */
    static final int CHROME = 0x8A8A8A;

    private Draw() {}

    static TextColor rgb(int rgb) {
        return new TextColor.RGB((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF);
    }

    /** Writes {@code s} from column x, clipped to the image; returns the column after the last character. */
    static int text(TextImage image, int x, int y, String s, TextColor fg) {
        int width = image.getSize().getColumns();
        if (y < 0 || y >= image.getSize().getRows()) {
            return x + s.length();
        }
        for (int i = 0; i < s.length(); i++) {
            if (x + i >= 0 && x + i < width) {
                image.setCharacterAt(x + i, y, TextCharacter.fromCharacter(TerminalText.escape(s.charAt(i)), fg, TextColor.ANSI.DEFAULT)[0]);
            }
        }
        return x + s.length();
    }

    static int text(TextImage image, int x, int y, String s) {
        return text(image, x, y, s, TextColor.ANSI.DEFAULT);
    }

    static void boldText(TextImage image, int x, int y, String s, TextColor fg) {
        for (int i = 0; i < s.length(); i++) {
            if (x + i >= 0 && x + i < image.getSize().getColumns() && y >= 0 && y < image.getSize().getRows()) {
                image.setCharacterAt(x + i, y,
                        TextCharacter.fromCharacter(TerminalText.escape(s.charAt(i)), fg, TextColor.ANSI.DEFAULT, SGR.BOLD)[0]);
            }
        }
    }

    static void cell(TextImage image, int x, int y, char c, TextColor fg, TextColor bg) {
        if (x >= 0 && y >= 0 && x < image.getSize().getColumns() && y < image.getSize().getRows()) {
            image.setCharacterAt(x, y, TextCharacter.fromCharacter(TerminalText.escape(c), fg, bg)[0]);
        }
    }

    static void chrome(TextImage image, int x, int y, char c, boolean colour) {
        cell(image, x, y, c, colour ? rgb(CHROME) : TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT);
    }

    /** {@code s} centred in [left, left + width), clipped. */
    static void centred(TextImage image, int left, int width, int y, String s, TextColor fg) {
        text(image, left + Math.max(0, (width - s.length()) / 2), y, s, fg);
    }
}
