package jlens.chart;

import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;

/**
 * A pixel canvas of 2 x 4 dots per cell drawn as braille (or, in ASCII, one of {@code ' . :} per cell).
 * Each cell keeps one colour (the last one drawn wins) and a count of points that hit it, for density shading.
 *
 * <p>Series (the lines of a line plot, the outlines of a histogram) are drawn with {@link #seriesLine}: a cell two
 * series pass through takes their colours in turn along the line (two cells of one, two of the next), so a series
 * running under another stays visible as a dashed line of its own colour instead of vanishing under the last one
 * drawn.
 */
final class DotCanvas {
    private static final int[][] BRAILLE_BITS = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
    /** The most series told apart per cell (bits of an int). */
    static final int MAX_SERIES = 31;

    private final int columns;
    private final int rows;
    private final int[] bits;
    private final int[] colours;
    private final int[] counts;
    /** Per cell, a bit per series that passes through it. */
    private final int[] owners;
    private final int[] seriesColours = new int[MAX_SERIES];

    DotCanvas(int columns, int rows) {
        this.columns = Math.max(1, columns);
        this.rows = Math.max(1, rows);
        bits = new int[this.columns * this.rows];
        colours = new int[this.columns * this.rows];
        counts = new int[this.columns * this.rows];
        owners = new int[this.columns * this.rows];
    }

    /** A dot of series {@code series} (0 to {@link #MAX_SERIES} - 1) in its colour {@code rgb}. */
    void seriesDot(int px, int py, int series, int rgb) {
        if (px < 0 || py < 0 || px >= pixelWidth() || py >= pixelHeight() || series < 0 || series >= MAX_SERIES) {
            dot(px, py, rgb);
            return;
        }
        dot(px, py, rgb);
        owners[(py / 4) * columns + px / 2] |= 1 << series;
        seriesColours[series] = rgb;
    }

    /** A straight line of series {@code series} between two pixels (Bresenham). */
    void seriesLine(int x0, int y0, int x1, int y1, int series, int rgb) {
        trace(x0, y0, x1, y1, (x, y) -> seriesDot(x, y, series, rgb));
    }

    int pixelWidth() {
        return columns * 2;
    }

    int pixelHeight() {
        return rows * 4;
    }

    /** Sets the dot at pixel (px, py), py counted from the top; out-of-range pixels are ignored. */
    void dot(int px, int py, int rgb) {
        if (px < 0 || py < 0 || px >= pixelWidth() || py >= pixelHeight()) {
            return;
        }
        int cell = (py / 4) * columns + px / 2;
        bits[cell] |= BRAILLE_BITS[py % 4][px % 2];
        colours[cell] = rgb;
        counts[cell]++;
    }

    /** A straight line of dots between two pixels (Bresenham). */
    void line(int x0, int y0, int x1, int y1, int rgb) {
        trace(x0, y0, x1, y1, (x, y) -> dot(x, y, rgb));
    }

    private interface Plot {
        void at(int x, int y);
    }

    private static void trace(int x0, int y0, int x1, int y1, Plot plot) {
        int dx = Math.abs(x1 - x0);
        int dy = -Math.abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1;
        int sy = y0 < y1 ? 1 : -1;
        int err = dx + dy;
        for (int guard = 0; guard < 100_000; guard++) {
            plot.at(x0, y0);
            if (x0 == x1 && y0 == y1) {
                return;
            }
            int e2 = 2 * err;
            if (e2 >= dy) {
                err += dy;
                x0 += sx;
            }
            if (e2 <= dx) {
                err += dx;
                y0 += sy;
            }
        }
    }

    int count(int column, int row) {
        return counts[row * columns + column];
    }

    int maxCount() {
        int max = 0;
        for (int c : counts) {
            max = Math.max(max, c);
        }
        return max;
    }

    boolean isSet(int column, int row) {
        return bits[row * columns + column] != 0;
    }

    /**
     * The colour of a cell: the series that passes through it, or, where several do, each in turn along the line
     * (two cells of one, then two of the next); else the last colour drawn.
     */
    int colour(int column, int row) {
        int o = owners[row * columns + column];
        if (o == 0) {
            return colours[row * columns + column];
        }
        int n = Integer.bitCount(o);
        int pick = ((column + row) / 2) % n;
        for (int i = 0; i < MAX_SERIES; i++) {
            if ((o & (1 << i)) != 0 && pick-- == 0) {
                return seriesColours[i];
            }
        }
        return colours[row * columns + column];
    }

    /** The glyph of one cell: braille, or in ASCII a character that says whether the top or bottom is hit. */
    char glyph(int column, int row, Glyphs glyphs) {
        int b = bits[row * columns + column];
        if (b == 0) {
            // A space, not the blank braille pattern U+2800: some fonts (Unifont, several terminal fonts)
            // draw U+2800 as a grid of hollow dots, which fills the whole plot with noise. Terminals put every
            // glyph in its own cell, so the space does not misalign braille rows there.
            return ' ';
        }
        if (glyphs.braille()) {
            return (char) (0x2800 + b);
        }
        boolean top = (b & 0x1B) != 0; // dots in the upper two pixel rows
        boolean bottom = (b & 0xE4) != 0;
        return top && bottom ? ':' : top ? '\'' : '.';
    }

    /** Copies the canvas into {@code image} at (left, top); empty cells are spaces. */
    void drawInto(TextImage image, int left, int top, Glyphs glyphs, boolean colour) {
        for (int row = 0; row < rows; row++) {
            for (int column = 0; column < columns; column++) {
                TextColor fg = colour && isSet(column, row) ? Draw.rgb(colour(column, row)) : TextColor.ANSI.DEFAULT;
                image.setCharacterAt(left + column, top + row,
                        TextCharacter.fromCharacter(glyph(column, row, glyphs), fg, TextColor.ANSI.DEFAULT)[0]);
            }
        }
    }
}
