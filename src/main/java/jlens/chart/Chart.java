package jlens.chart;

import com.googlecode.lanterna.graphics.TextImage;
import java.util.List;

/**
 * A chart that can draw itself into a Lanterna {@link TextImage}.
 *
 * <p>The image is always exactly {@code width} columns wide; {@code height} is the most rows it may use
 * (a heatmap uses fewer rather than stretch its rows unevenly).
 */
public interface Chart {
    /** Draws the chart for {@code style} (colour mode and glyph set). */
    TextImage render(int width, int height, RenderStyle style);

    /**
     * Draws the chart for 24-bit colour and Unicode glyphs. The image can be encoded as TRUECOLOR or
     * COLOR256; for 16 colours, mono or ASCII call {@link #render(int, int, RenderStyle)}, because those modes
     * draw other glyphs (shade ramps instead of coloured half blocks).
     */
    default TextImage render(int width, int height) {
        return render(width, height, RenderStyle.TRUECOLOR);
    }

    /** Draws and encodes in one step: one ANSI string per line (plain text in MONO). */
    default List<String> toLines(int width, int height, RenderStyle style) {
        return AnsiEncoder.lines(render(width, height, style), style.mode());
    }

    /** Draws and encodes in one step: the lines joined, each ended by a newline. */
    default String toText(int width, int height, RenderStyle style) {
        return AnsiEncoder.encode(render(width, height, style), style.mode());
    }
}
