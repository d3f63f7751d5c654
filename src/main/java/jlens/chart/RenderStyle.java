package jlens.chart;

import java.nio.charset.Charset;
import java.util.Map;

/**
 * What a chart may use when it draws: a colour mode and whether Unicode glyphs (blocks, braille, box lines)
 * can be encoded by the output.
 *
 * @param mode the colour mode
 * @param unicode false when the output charset cannot encode the chart glyphs; charts then draw ASCII only
 * @param background the terminal's background, which lines, dots and markers must stay visible on
 */
public record RenderStyle(ColorMode mode, boolean unicode, Background background) {
    /** 24-bit colour with Unicode glyphs. */
    public static final RenderStyle TRUECOLOR = new RenderStyle(ColorMode.TRUECOLOR, true);
    /** 256 colours with Unicode glyphs. */
    public static final RenderStyle COLOR256 = new RenderStyle(ColorMode.COLOR256, true);
    /** No colour, Unicode glyphs. */
    public static final RenderStyle MONO = new RenderStyle(ColorMode.MONO, true);
    /** No colour, ASCII only: safe for any file or terminal. */
    public static final RenderStyle ASCII = new RenderStyle(ColorMode.MONO, false);

    public RenderStyle {
        java.util.Objects.requireNonNull(mode);
        java.util.Objects.requireNonNull(background);
    }

    /** A style for a dark background. */
    public RenderStyle(ColorMode mode, boolean unicode) {
        this(mode, unicode, Background.DARK);
    }

    /** The glyph set for this style. */
    public Glyphs glyphs() {
        return unicode ? Glyphs.UNICODE : Glyphs.ASCII;
    }

    /** Whether {@code charset} can encode every glyph the Unicode set uses. */
    public static boolean canEncodeGlyphs(Charset charset) {
        return charset.newEncoder().canEncode(Glyphs.UNICODE.sample());
    }

    /**
     * The style for an output: the override when given ({@code auto} or null means detect, see
     * {@link ColorMode#detect}), and Unicode only if {@code charset} can encode it.
     */
    public static RenderStyle detect(Map<String, String> env, boolean isTty, Charset charset, String override) {
        ColorMode mode = ColorMode.parse(override).orElseGet(() -> ColorMode.detect(env, isTty));
        return new RenderStyle(mode, canEncodeGlyphs(charset));
    }

    /** The same style with another colour mode. */
    public RenderStyle withMode(ColorMode newMode) {
        return new RenderStyle(newMode, unicode, background);
    }

    /** The same style for another background. */
    public RenderStyle withBackground(Background newBackground) {
        return new RenderStyle(mode, unicode, newBackground);
    }

    /** The colour of series {@code i} of a categorical palette that reads on this background. */
    int series(int i) {
        return Colormaps.categorical(i, background, mode);
    }
}
