package jlens.chart;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.BasicTextImage;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A text's tokens with one value each, as Neuronpedia shows a feature's activations: each token on a cell whose colour
 * grows with its value (nothing at 0), wrapped to the width, with the value written under every token that has one.
 * The cell colours run from a dim orange to a strong one and stand out from the terminal's background by at least 1.5:1
 * (dark or light: {@link RenderStyle#background()}); the token's text on them is black or white, whichever reads. In
 * mono and ASCII the values under the tokens carry the data. The marked token (the strongest, say) is bold; what does not fit
 * the height is cut, and the last line says how many tokens are left out.
 */
public final class TokenActivationStrip implements Chart {
    /** Weakest to strongest, on a dark background: from 2.5:1 against black (1.5:1 and more in 256 colours too) up to a bright orange. */
    static final int[] DARK = {0x7A4000, 0x8A4500, 0xA85700, 0xC66A00, 0xE07D10, 0xF59A2E, 0xFFB55C};
    /** On a light background: pale to deep, every one at least 1.5:1 against white. */
    static final int[] LIGHT = {0xFFAF5F, 0xFFA24A, 0xFB9A3C, 0xF08522, 0xE06F10, 0xC85A08, 0xA94600};

    private final String[] tokens;
    private final double[] values;
    private String title = "";
    private int marked = -1;

    /**
     * @param tokens the tokens' text
     * @param values one value per token (activations: 0 and below are not coloured)
     */
    public TokenActivationStrip(String[] tokens, double[] values) {
        if (tokens.length != values.length) {
            throw new IllegalArgumentException(tokens.length + " tokens and " + values.length + " values");
        }
        this.tokens = tokens.clone();
        this.values = values.clone();
    }

    public TokenActivationStrip title(String t) {
        this.title = t == null ? "" : t;
        return this;
    }

    /** Draws token {@code index} in bold (the strongest, say); -1 for none. */
    public TokenActivationStrip marked(int index) {
        this.marked = index;
        return this;
    }

    /** The colour of a cell at fraction {@code f} (0..1] of the largest value, on {@code background}. */
    static int cellColour(double f, Background background) {
        int[] ramp = background == Background.LIGHT ? LIGHT : DARK;
        int i = (int) Math.min(ramp.length - 1, Math.max(0, Math.ceil(f * ramp.length) - 1));
        return ramp[i];
    }

    /** Black or white text, whichever stands out more from {@code cell}. */
    static int textOn(int cell) {
        return Contrast.ratio(cell, 0x000000) >= Contrast.ratio(cell, 0xFFFFFF) ? 0x000000 : 0xFFFFFF;
    }

    @Override
    public TextImage render(int width, int height, RenderStyle style) {
        int w = Math.max(10, width);
        int h = Math.max(3, height);
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Double.isFinite(v) ? v : 0);
        }
        List<int[]> lines = new ArrayList<>(); // token index ranges per wrapped line
        String[] shown = new String[tokens.length];
        String[] numbers = new String[tokens.length];
        int[] cellWidth = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            shown[i] = label(tokens[i], style.glyphs());
            numbers[i] = values[i] > 0 ? number(values[i]) : "";
            cellWidth[i] = Math.min(w - 2, Math.max(shown[i].length(), numbers[i].length()));
        }
        int from = 0;
        while (from < tokens.length) {
            int x = 0;
            int to = from;
            while (to < tokens.length && (to == from || x + cellWidth[to] <= w - 2)) {
                x += cellWidth[to] + 1;
                to++;
            }
            lines.add(new int[] {from, to});
            from = to;
        }
        int rowsForLines = h - 2; // the title and the legend
        int fit = Math.max(1, Math.min(lines.size(), rowsForLines / 2));
        boolean cut = fit < lines.size();
        if (cut && fit * 2 + 3 > h) {
            fit = Math.max(1, fit - 1);
        }
        int used = 1 + 2 * fit + 1 + (cut ? 1 : 0);
        TextImage image = new BasicTextImage(new TerminalSize(w, Math.min(h, used)));
        Draw.text(image, 0, 0, Text.fit(Text.clean(title, style.glyphs()), w, style.glyphs()));
        boolean colour = style.mode().hasColormaps();
        for (int l = 0; l < fit; l++) {
            int y = 1 + 2 * l;
            int x = 1;
            for (int i = lines.get(l)[0]; i < lines.get(l)[1]; i++) {
                String cell = Text.fit(pad(shown[i], cellWidth[i]), cellWidth[i], style.glyphs());
                boolean active = values[i] > 0 && max > 0;
                int bg = active ? cellColour(values[i] / max, style.background()) : -1;
                for (int k = 0; k < cell.length() && x + k < w; k++) {
                    TextColor fg = active && colour ? Draw.rgb(textOn(bg)) : TextColor.ANSI.DEFAULT;
                    TextColor back = active && colour ? Draw.rgb(bg) : TextColor.ANSI.DEFAULT;
                    char ch = TerminalText.escape(cell.charAt(k));
                    image.setCharacterAt(x + k, y, i == marked
                            ? TextCharacter.fromCharacter(ch, fg, back, SGR.BOLD)[0]
                            : TextCharacter.fromCharacter(ch, fg, back)[0]);
                }
                Draw.text(image, x, y + 1, numbers[i]);
                x += cellWidth[i] + 1;
            }
        }
        int legend = 1 + 2 * fit;
        if (cut) {
            int left = tokens.length - lines.get(fit - 1)[1];
            Draw.text(image, 1, legend, Text.fit(left + " more tokens left out (save X.csv writes every value)", w - 1,
                    style.glyphs()), TextColor.ANSI.DEFAULT);
            legend++;
        }
        if (legend < image.getSize().getRows()) {
            drawLegend(image, legend, max, style, colour);
        }
        return image;
    }

    /** {@code 0 [ramp] MAX}: the colours from the weakest to the strongest, or in mono the rule for the values. */
    private static void drawLegend(TextImage image, int y, double max, RenderStyle style, boolean colour) {
        int[] ramp = style.background() == Background.LIGHT ? LIGHT : DARK;
        if (!colour) {
            Draw.text(image, 1, y, "values under tokens; 0 not shown; max " + number(max));
            return;
        }
        int x = Draw.text(image, 1, y, "0 ", TextColor.ANSI.DEFAULT);
        for (int c : ramp) {
            Draw.cell(image, x++, y, ' ', TextColor.ANSI.DEFAULT, Draw.rgb(c));
            Draw.cell(image, x++, y, ' ', TextColor.ANSI.DEFAULT, Draw.rgb(c));
        }
        Draw.text(image, x + 1, y, number(max) + " (the largest in bold)");
    }

    /** A token as shown: control characters made visible, a space as a middle dot (so token edges show). */
    static String label(String token, Glyphs glyphs) {
        String s = Text.clean(token == null ? "" : token, glyphs);
        s = s.replace(' ', glyphs.braille() ? '·' : '_');
        return s.isEmpty() ? (glyphs.braille() ? "∅" : "0") : s;
    }

    static String number(double v) {
        double a = Math.abs(v);
        return a >= 100 ? String.format(Locale.ROOT, "%.0f", v) : a >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String pad(String s, int n) {
        return s.length() >= n ? s : s + " ".repeat(n - s.length());
    }
}
