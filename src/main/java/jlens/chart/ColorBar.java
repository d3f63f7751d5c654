package jlens.chart;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;

/**
 * A vertical colour bar: two columns of half blocks (two colour steps per row, highest value at the top),
 * then value labels. Drawn through the same colour path as the data, so in 256 colours its ends are the
 * colour map's ends as quantised, and in mono it shows the glyph ramp.
 */
final class ColorBar {
    private ColorBar() {}

    /** Columns the bar takes: a gap, two bar columns, a gap and the widest label. */
    static int width(double lo, double hi, int rows) {
        return width(lo, hi, rows, Double.NaN, "");
    }

    /** Columns the bar takes with a named centre value (see {@link #draw(TextImage, int, int, int, Colormap, double, double, double, String, RenderStyle)}). */
    static int width(double lo, double hi, int rows, double centre, String centreName) {
        int labels = 0;
        for (Ticks.Labelled t : labels(lo, hi, rows, centre, centreName)) {
            labels = Math.max(labels, t.label().length());
        }
        return 4 + labels;
    }

    /** Draws the bar with its top-left gap column at x. */
    static void draw(TextImage image, int x, int top, int rows, Colormap map, double lo, double hi,
            RenderStyle style) {
        draw(image, x, top, rows, map, lo, hi, Double.NaN, "", style);
    }

    /**
     * Draws the bar with its top-left gap column at x; a finite {@code centre} is labelled at its row as
     * "value = name" (a diverging map's zero, "0 = clean -3.21"), in place of the ticks near it.
     */
    static void draw(TextImage image, int x, int top, int rows, Colormap map, double lo, double hi,
            double centre, String centreName, RenderStyle style) {
        int steps = 2 * rows;
        for (int r = 0; r < rows; r++) {
            double upper = 1 - (2.0 * r) / (steps - 1);
            double lower = 1 - (2.0 * r + 1) / (steps - 1);
            for (int c = 1; c <= 2; c++) {
                if (style.mode().hasColormaps() && !style.unicode()) {
                    Draw.cell(image, x + c, top + r, ' ', TextColor.ANSI.DEFAULT, Draw.rgb(map.rgb((upper + lower) / 2)));
                } else if (style.mode().hasColormaps()) {
                    Draw.cell(image, x + c, top + r, style.glyphs().halfBlock(),
                            Draw.rgb(map.rgb(lower)), Draw.rgb(map.rgb(upper)));
                } else {
                    char ramp = Ramp.glyph((upper + lower) / 2, style);
                    Draw.cell(image, x + c, top + r, ramp, TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT);
                }
            }
        }
        for (Ticks.Labelled t : labels(lo, hi, rows, centre, Text.clean(centreName, style.glyphs()))) {
            Draw.text(image, x + 4, top + t.row(), t.label());
        }
    }

    /**
     * The bar as solid glyphs in the map's colours on the terminal's background, one colour step per row: what a 16-colour
     * terminal can show of a map that colours glyphs (points coloured by value), quantised as those glyphs are.
     */
    static void drawSolid(TextImage image, int x, int top, int rows, Colormap map, double lo, double hi, RenderStyle style) {
        String shades = style.glyphs().shades();
        char solid = shades.charAt(shades.length() - 1);
        for (int r = 0; r < rows; r++) {
            double f = rows == 1 ? 1 : 1 - (double) r / (rows - 1);
            for (int c = 1; c <= 2; c++) {
                Draw.cell(image, x + c, top + r, solid, Draw.rgb(map.rgb(f)), TextColor.ANSI.DEFAULT);
            }
        }
        for (Ticks.Labelled t : labels(lo, hi, rows, Double.NaN, "")) {
            Draw.text(image, x + 4, top + t.row(), t.label());
        }
    }

    /** Draws the bar with only its ends labelled (a scale whose steps are not even, such as a log count). */
    static void drawEnds(TextImage image, int x, int top, int rows, Colormap map, String low, String high,
            RenderStyle style) {
        draw(image, x, top, rows, map, 0, 1, Double.NaN, "", style);
        for (int r = 0; r < rows; r++) {
            for (int c = x + 4; c < image.getSize().getColumns(); c++) {
                Draw.cell(image, c, top + r, ' ', TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT);
            }
        }
        Draw.text(image, x + 4, top, high);
        if (rows > 1) {
            Draw.text(image, x + 4, top + rows - 1, low);
        }
    }

    /**
     * The labels: hi at the top row, lo at the bottom row, nice values between where there is room, and a
     * named centre at its row (ticks within a row of it give way).
     */
    private static java.util.List<Ticks.Labelled> labels(double lo, double hi, int rows, double centre,
            String centreName) {
        java.util.List<Ticks.Labelled> out = new java.util.ArrayList<>();
        out.add(new Ticks.Labelled(0, Ticks.format(hi)));
        if (rows > 1) {
            out.add(new Ticks.Labelled(rows - 1, Ticks.format(lo)));
        }
        int centreRow = -10;
        if (Double.isFinite(centre) && hi > lo && centre > lo && centre < hi && rows >= 3) {
            centreRow = (int) Math.round((hi - centre) / (hi - lo) * (rows - 1));
            String name = centreName == null || centreName.isEmpty() ? "" : " = " + centreName;
            out.add(new Ticks.Labelled(centreRow, Ticks.format(centre) + name));
        }
        if (rows >= 7 && hi > lo) {
            double step = Ticks.niceStep(lo, hi, Math.max(1, rows / 4));
            for (double v : Ticks.nice(lo, hi, Math.max(1, rows / 4))) {
                int row = (int) Math.round((hi - v) / (hi - lo) * (rows - 1));
                if (row >= 2 && row <= rows - 3 && Math.abs(row - centreRow) > 1) {
                    out.add(new Ticks.Labelled(row, Ticks.format(v, step)));
                }
            }
        }
        return out;
    }
}
