package jlens.chart;

/**
 * WCAG 2 contrast between colours, and whether a glyph colour stays visible on a {@link Background} once the
 * terminal shows it (in 256 colours, the palette entry it is quantised to).
 *
 * <p>Graphics need at least {@value #MIN}:1 (WCAG 2.1, non-text contrast); charts aim a little above it so
 * that quantisation and rounding never take a colour under the line.
 */
public final class Contrast {
    /** The WCAG threshold for graphical objects. */
    public static final double MIN = 3.0;
    /** What chart colours are chosen to reach, a margin over {@link #MIN}. */
    static final double TARGET = 3.15;

    private Contrast() {}

    /** Relative luminance of a 0xRRGGBB colour (WCAG 2: sRGB channels linearised, Rec. 709 weights). */
    public static double luminance(int rgb) {
        return 0.2126 * linear((rgb >> 16) & 0xFF) + 0.7152 * linear((rgb >> 8) & 0xFF) + 0.0722 * linear(rgb & 0xFF);
    }

    private static double linear(int channel) {
        double c = channel / 255.0;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }

    /** The contrast ratio of two colours, from 1 (same luminance) to 21 (black on white). */
    public static double ratio(int a, int b) {
        double la = luminance(a);
        double lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    /**
     * The colour a terminal in {@code mode} shows for {@code rgb}: itself, its xterm-256 entry, or (16 colours) the
     * xterm palette's value of the base colour it is sent as.
     */
    public static int shown(int rgb, ColorMode mode) {
        return switch (mode) {
            case COLOR256 -> Xterm256.rgbOf(Xterm256.nearest256(rgb));
            case COLOR16 -> Xterm256.rgbOf(Xterm256.nearest16(rgb));
            default -> rgb & 0xFFFFFF;
        };
    }

    /** The contrast of {@code rgb} as shown in {@code mode} against {@code background}. */
    public static double against(int rgb, ColorMode mode, Background background) {
        return ratio(shown(rgb, mode), background.rgb());
    }

    /** Whether {@code rgb} reaches the chart target on {@code background} both in 24-bit and in 256 colours. */
    static boolean readable(int rgb, Background background) {
        return against(rgb, ColorMode.TRUECOLOR, background) >= TARGET
                && against(rgb, ColorMode.COLOR256, background) >= TARGET;
    }

    /**
     * Whether {@code rgb} reaches the chart target on {@code background} as a terminal in {@code mode} shows it: in
     * 16 colours its base colour must (on the xterm palette), otherwise as {@link #readable(int, Background)}.
     */
    static boolean readable(int rgb, Background background, ColorMode mode) {
        return mode == ColorMode.COLOR16 ? against(rgb, mode, background) >= TARGET : readable(rgb, background);
    }
}
