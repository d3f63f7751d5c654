package jlens.chart;

/** Glyphs for a continuous value when colour cannot show it: shades in 16 colours, an ASCII ramp in mono. */
final class Ramp {
    private Ramp() {}

    /** The glyph for fraction t in [0, 1] (clamped). */
    static char glyph(double t, RenderStyle style) {
        String ramp = ramp(style);
        double clamped = Double.isNaN(t) ? 0 : Math.max(0, Math.min(1, t));
        return ramp.charAt((int) Math.min(ramp.length() - 1, Math.floor(clamped * ramp.length())));
    }

    static String ramp(RenderStyle style) {
        return style.mode() == ColorMode.COLOR16 && style.unicode() ? Glyphs.UNICODE.shades() : Glyphs.MONO_RAMP;
    }
}
