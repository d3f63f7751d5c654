package jlens.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures, from ANSI text as a terminal would receive it, the WCAG contrast of every coloured glyph drawn on
 * the terminal's own background against that background (black or white): the measure of the project's
 * {@code ansi_contrast.py}, read the same way (SGR 0/39/49, 30-37, 90-97, 38/48 with ;2;r;g;b or ;5;n, xterm
 * palette, WCAG luminance). Cells that set a background colour of their own (heatmap cells) are the data
 * colour itself and are not judged.
 *
 * <p>{@link Glyphs#PYTHON} judges the same glyphs as the Python tool (braille, box drawing, markers);
 * {@link Glyphs#STRICT} judges every visible character with a colour of its own, bars and labels too, except
 * the half blocks a heatmap draws its cells with.
 */
public final class AnsiContrast {
    /** Which characters count as data glyphs. */
    public enum Glyphs {
        PYTHON,
        STRICT
    }

    /**
     * What was measured.
     *
     * @param total coloured glyphs judged
     * @param below how many fell under the threshold
     * @param worst the lowest ratio seen (Infinity when nothing was judged)
     * @param worstRgb the colour that gave it
     * @param worstGlyph the character drawn in it
     */
    public record Result(int total, int below, double worst, int worstRgb, char worstGlyph) {
        /** The share under the threshold, 0 when nothing was judged. */
        public double share() {
            return total == 0 ? 0 : below / (double) total;
        }

        /** The Python tool's verdict: at most 1% under the threshold. */
        public boolean passesLikeTheTool() {
            return share() <= 0.01;
        }

        @Override
        public String toString() {
            return String.format("%d of %d coloured glyphs below the threshold; worst %.2f:1 for #%06X '%c'",
                    below, total, worst, worstRgb, worstGlyph);
        }
    }

    private static final Pattern SGR = Pattern.compile("\u001b\\[([0-9;]*)m");

    private AnsiContrast() {}

    /** Measures {@code ansi} against {@code background} with threshold {@code min}. */
    public static Result measure(String ansi, Background background, double min, Glyphs glyphs) {
        return scan(ansi, background, min, glyphs, false);
    }

    /**
     * Measures every painted cell as the Python tool's {@code --cells} does: each cell with a background colour
     * of its own (a heatmap cell, a colour bar step) and the foreground of a half block in it, against the
     * terminal's background.
     */
    public static Result measureCells(String ansi, Background background, double min) {
        return scan(ansi, background, min, Glyphs.STRICT, true);
    }

    private static Result scan(String ansi, Background background, double min, Glyphs glyphs, boolean cells) {
        int total = 0;
        int below = 0;
        double worst = Double.POSITIVE_INFINITY;
        int worstRgb = 0;
        char worstGlyph = ' ';
        for (String line : ansi.split("\n", -1)) {
            Integer fg = null;
            Integer bg = null;
            int pos = 0;
            Matcher m = SGR.matcher(line);
            while (true) {
                boolean found = m.find();
                String text = found ? line.substring(pos, m.start()) : line.substring(pos);
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    List<Integer> judged = new ArrayList<>();
                    if (cells && bg != null) {
                        judged.add(bg);
                        if (fg != null && "\u2580\u2584\u258C\u2590".indexOf(c) >= 0) {
                            judged.add(fg);
                        }
                    } else if (!cells && fg != null && bg == null && !Character.isWhitespace(c) && isData(c, glyphs)) {
                        judged.add(fg);
                    }
                    for (int rgb : judged) {
                        total++;
                        double ratio = Contrast.ratio(rgb, background.rgb());
                        if (ratio < min) {
                            below++;
                        }
                        if (ratio < worst) {
                            worst = ratio;
                            worstRgb = rgb;
                            worstGlyph = c;
                        }
                    }
                }
                if (!found) {
                    break;
                }
                pos = m.end();
                String[] parts = m.group(1).split(";", -1);
                int[] codes = new int[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    codes[i] = parts[i].isEmpty() ? 0 : Integer.parseInt(parts[i]);
                }
                for (int i = 0; i < codes.length; i++) {
                    int c = codes[i];
                    if (c == 0) {
                        fg = null;
                        bg = null;
                    } else if (c == 39) {
                        fg = null;
                    } else if (c == 49) {
                        bg = null;
                    } else if ((c == 38 || c == 48) && i + 1 < codes.length) {
                        Integer rgb = null;
                        if (codes[i + 1] == 2 && i + 4 < codes.length) {
                            rgb = codes[i + 2] << 16 | codes[i + 3] << 8 | codes[i + 4];
                            i += 4;
                        } else if (codes[i + 1] == 5 && i + 2 < codes.length) {
                            rgb = Xterm256.rgbOf(codes[i + 2]);
                            i += 2;
                        }
                        if (c == 38) {
                            fg = rgb;
                        } else {
                            bg = rgb;
                        }
                    } else if (c >= 30 && c <= 37) {
                        fg = Xterm256.rgbOf(c - 30);
                    } else if (c >= 90 && c <= 97) {
                        fg = Xterm256.rgbOf(c - 90 + 8);
                    } else if (c >= 40 && c <= 47) {
                        bg = Xterm256.rgbOf(c - 40);
                    } else if (c >= 100 && c <= 107) {
                        bg = Xterm256.rgbOf(c - 100 + 8);
                    }
                }
            }
        }
        return new Result(total, below, worst, worstRgb, worstGlyph);
    }

    /** Measures with the WCAG threshold for graphics, judging every coloured glyph. */
    public static Result measure(String ansi, Background background) {
        return measure(ansi, background, Contrast.MIN, Glyphs.STRICT);
    }

    static boolean isData(char c, Glyphs glyphs) {
        if (glyphs == Glyphs.STRICT) {
            return c != '\u2580' && c != '\u2584'; // heatmap half blocks are cells, judged by the map
        }
        return (c >= 0x2801 && c <= 0x28FF) || (c >= 0x2500 && c <= 0x257F) || "●■▲◆◉○□△◇•★✚✖◼◾▪".indexOf(c) >= 0;
    }
}
