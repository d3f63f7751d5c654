package jlens.chart;

import java.util.Objects;

/**
 * A sequential colour map: a table of 0xRRGGBB colours indexed by a fraction in [0, 1].
 *
 * @param name the map's name, e.g. "magma"
 * @param table the colours, darkest or lowest value first; at least two entries
 */
public record Colormap(String name, int[] table) {
    public Colormap {
        Objects.requireNonNull(name);
        if (table.length < 2) {
            throw new IllegalArgumentException("a colour map needs at least two colours");
        }
        table = table.clone();
    }

    /** The colour for fraction {@code t}; values outside [0, 1] are clamped, NaN gives the lowest colour. */
    public int rgb(double t) {
        if (!(t > 0)) {
            return table[0];
        }
        if (t >= 1) {
            return table[table.length - 1];
        }
        // Nearest entry rather than interpolation: keeps the ends exact and the table the single source.
        return table[(int) Math.round(t * (table.length - 1))];
    }

    /** The number of entries. */
    public int size() {
        return table.length;
    }

    /** The colour at the lowest end. */
    public int low() {
        return table[0];
    }

    /** The colour at the highest end. */
    public int high() {
        return table[table.length - 1];
    }
}
