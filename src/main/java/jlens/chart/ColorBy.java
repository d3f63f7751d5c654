package jlens.chart;

/**
 * Colours many series along a colour map instead of a categorical palette, with a colour bar in place of the
 * legend: series i gets the colour of {@code values[i]} between lo and hi (the layer number, say). Lines and
 * dots use only the part of the map that stays visible on the background, as the terminal's colour mode shows
 * it ({@link Colormaps#readable}), and the colour bar shows that same part.
 *
 * @param map the colour map
 * @param lo the value at the map's low end
 * @param hi the value at the map's high end
 * @param label what the values are, shown above the colour bar (e.g. "layer")
 */
public record ColorBy(Colormap map, double lo, double hi, String label) {
    public ColorBy {
        java.util.Objects.requireNonNull(map);
        label = label == null ? "" : label;
    }

    /** The part of the map lines and dots use in {@code style} (its background, and its mode's colours). */
    Colormap mapOn(RenderStyle style) {
        return Colormaps.readable(map, style.background(), style.mode());
    }

    /** The colour of value v in {@code style}. */
    int rgb(double v, RenderStyle style) {
        return mapOn(style).rgb(hi > lo ? (v - lo) / (hi - lo) : 0);
    }

    /**
     * The map a chart of {@code seriesCount} series colours them along: {@code by}, except that a single series never
     * takes a map colour (it would be a map end, maybe black); null for the categorical palette.
     */
    static ColorBy inUse(ColorBy by, int seriesCount) {
        return seriesCount > 1 ? by : null;
    }

    /** Series i's colour: its value along the map in use, or the style's i-th series colour when there is none. */
    static int seriesRgb(ColorBy inUse, int i, double value, RenderStyle style) {
        return inUse != null ? inUse.rgb(value, style) : style.series(i);
    }
}
