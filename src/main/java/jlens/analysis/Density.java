package jlens.analysis;

import java.util.Arrays;
import java.util.List;

/**
 * Equal-width histogram with the semantics of numpy's {@code np.histogram(values, bins, range=(lo, hi))}: edges are
 * {@code lo + i * (hi - lo) / bins} with the last edge exactly {@code hi}; every bin is half-open {@code [left, right)}
 * except the last, which is closed; values outside {@code [lo, hi]} (and NaN) are ignored. {@code density} is
 * numpy's {@code density=True}: {@code count / (inRange * width)}, so it integrates to 1 over the range.
 *
 * @param edges bin edges, {@code bins + 1} of them, increasing; all NaN when the range was to come from the values
 *     and none of them is a finite number (numpy refuses such data: there is no range to cut)
 * @param counts values that fell in each bin
 * @param inRange values counted (those within {@code [lo, hi]})
 * @param density each bin's count divided by {@code inRange} and its width. When nothing was counted: all zero
 *     for finite data (an empty histogram), all NaN when there were values and some were not finite (the
 *     histogram of values that are not numbers is undefined, not empty; numpy gives NaN for any 0/0)
 * @param nan values that are NaN: never binned, counted so that a picture of them can say so
 * @param infinite values that are +-infinity: never binned (the range is finite), counted likewise
 */
public record Density(double[] edges, long[] counts, long inRange, double[] density, long nan, long infinite)
        implements AnalysisResult {

    public Density {
        if (edges.length != counts.length + 1 || density.length != counts.length) {
            throw new IllegalArgumentException("a histogram of " + counts.length + " bins needs " + (counts.length + 1)
                    + " edges and " + counts.length + " densities, not " + edges.length + " and " + density.length);
        }
    }

    /** Density of {@code values} in {@code bins} equal bins over {@code [lo, hi]}. */
    public static Density of(float[] values, int bins, double lo, double hi) {
        return of(new FloatValues(values), bins, lo, hi);
    }

    /** Density of {@code values} in {@code bins} equal bins over {@code [lo, hi]}. */
    public static Density of(double[] values, int bins, double lo, double hi) {
        return of(new DoubleValues(values), bins, lo, hi);
    }

    /**
     * Density over the data's own range, as numpy's {@code np.histogram(values, bins)}: {@code [min, max]} of the
     * finite values ({@code [min - 0.5, max + 0.5]} when they are all equal, {@code [0, 1]} when there are none).
     * Infinities are left out (numpy refuses them) so that masked attention scores can be binned as they are.
     */
    public static Density auto(float[] values, int bins) {
        return auto(new FloatValues(values), bins);
    }

    /** As {@link #auto(float[], int)}. */
    public static Density auto(double[] values, int bins) {
        return auto(new DoubleValues(values), bins);
    }

    /** Number of bins. */
    public int bins() {
        return counts.length;
    }

    public double lo() {
        return edges[0];
    }

    public double hi() {
        return edges[edges.length - 1];
    }

    /** {@link #density()} when {@code density} is true, else the counts as doubles (numpy's {@code density} flag). */
    public double[] values(boolean asDensity) {
        return asDensity ? density.clone() : Arrays.stream(counts).asDoubleStream().toArray();
    }

    /** Centre of each bin, for plotting densities as a curve. */
    public double[] centres() {
        double[] out = new double[bins()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (edges[i] + edges[i + 1]) / 2;
        }
        return out;
    }

    @Override
    public List<String> columns() {
        return List.of("bin_left", "bin_right", "count", "density");
    }

    @Override
    public int rowCount() {
        return bins();
    }

    @Override
    public Object[] row(int i) {
        return new Object[] {edges[i], edges[i + 1], counts[i], density[i]};
    }

    // The values are read through this small view so that float and double inputs share one binning loop
    // without copying a float array of a million activations into doubles.
    private interface Values {
        int length();

        double get(int i);
    }

    private record FloatValues(float[] a) implements Values {
        public int length() {
            return a.length;
        }

        public double get(int i) {
            return a[i];
        }
    }

    private record DoubleValues(double[] a) implements Values {
        public int length() {
            return a.length;
        }

        public double get(int i) {
            return a[i];
        }
    }

    private static Density auto(Values values, int bins) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length(); i++) {
            double x = values.get(i);
            if (Double.isFinite(x)) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
        }
        if (min > max && values.length() > 0) { // values, none finite: no range, no density
            return undefined(values, bins);
        }
        if (min > max) { // no value at all: numpy's range for empty data
            min = 0;
            max = 1;
        } else if (min == max) {
            min -= 0.5;
            max += 0.5;
        }
        return of(values, bins, min, max);
    }

    private static Density of(Values values, int bins, double lo, double hi) {
        Checks.bins(bins);
        Checks.range(lo, hi);
        double[] edges = edges(bins, lo, hi);
        double norm = bins / (hi - lo);
        if (!Double.isFinite(hi - lo) || !Double.isFinite(norm) || !(edges[1] > edges[0]) || !(edges[bins] > edges[bins - 1])) {
            // -1e308..1e308 overflows the width; a range of a few subnormals cannot be cut into distinct edges
            throw new IllegalArgumentException("bin range [" + lo + ", " + hi + "] cannot be cut into " + bins
                    + " bins of a representable width; give bounds like -5 5");
        }
        long[] counts = new long[bins];
        long inRange = 0;
        long nan = 0;
        long infinite = 0;
        for (int i = 0; i < values.length(); i++) {
            double x = values.get(i);
            if (Double.isNaN(x)) {
                nan++;
                continue;
            }
            if (Double.isInfinite(x)) {
                infinite++;
                continue;
            }
            if (!(x >= lo && x <= hi)) {
                continue;
            }
            // numpy's fast path: scale to a bin index, then correct by one where rounding put x beside the edge
            // that the edges array (computed differently) says it belongs to.
            int bin = (int) ((x - lo) * norm);
            if (bin == bins) {
                bin--; // x == hi: the last bin is closed
            }
            if (x < edges[bin]) {
                bin--;
            } else if (bin != bins - 1 && x >= edges[bin + 1]) {
                bin++;
            }
            counts[bin]++;
            inRange++;
        }
        double[] density = new double[bins];
        if (inRange > 0) {
            for (int b = 0; b < bins; b++) {
                density[b] = counts[b] / (edges[b + 1] - edges[b]) / inRange;
            }
        } else if (nan + infinite > 0) {
            Arrays.fill(density, Double.NaN); // 0/0 over values that are not numbers: not an empty histogram
        }
        return new Density(edges, counts, inRange, density, nan, infinite);
    }

    /** The histogram of values of which none is finite: counted as NaN or infinite, no edges, no density. */
    private static Density undefined(Values values, int bins) {
        Checks.bins(bins);
        long nan = 0;
        for (int i = 0; i < values.length(); i++) {
            nan += Double.isNaN(values.get(i)) ? 1 : 0;
        }
        double[] edges = new double[bins + 1];
        double[] density = new double[bins];
        Arrays.fill(edges, Double.NaN);
        Arrays.fill(density, Double.NaN);
        return new Density(edges, new long[bins], 0, density, nan, values.length() - nan);
    }

    /** Whether the histogram has edges: false when its range was to come from values of which none is finite. */
    public boolean hasEdges() {
        return Double.isFinite(edges[0]);
    }

    /** Whether the densities are defined: something was counted, or the data was finite (an empty histogram is 0). */
    public boolean hasDensity() {
        return inRange > 0 || !hasNonFinite();
    }

    /** Whether some values were not numbers or infinite (and so are in no bin). */
    public boolean hasNonFinite() {
        return nan > 0 || infinite > 0;
    }

    /** {@code "3 NaN and 1 infinite values, no finite one: edges and densities nan"}, or empty when all are finite. */
    @Override
    public String undefinedNote() {
        if (!hasNonFinite()) {
            return "";
        }
        return nan + " NaN and " + infinite + " infinite values" + (!hasEdges() ? ", no finite one: edges and densities nan"
                : !hasDensity() ? ", none counted: densities nan" : " not counted");
    }

    /** {@code "3 NaN and 1 infinite values are not in the histogram"}, or empty when all values are finite. */
    public String nonFiniteNote() {
        if (!hasNonFinite()) {
            return "";
        }
        String what = nan > 0 && infinite > 0 ? nan + " NaN and " + infinite + " infinite values"
                : nan > 0 ? nan + " NaN value" + (nan == 1 ? "" : "s") : infinite + " infinite value" + (infinite == 1 ? "" : "s");
        return what + " not in the histogram (they have no place on its axis)";
    }

    /** numpy's {@code linspace(lo, hi, bins + 1)}: {@code i * step + lo}, with the last edge exactly {@code hi}. */
    static double[] edges(int bins, double lo, double hi) {
        double step = (hi - lo) / bins;
        double[] edges = new double[bins + 1];
        for (int i = 0; i < bins; i++) {
            edges[i] = i * step + lo;
        }
        edges[bins] = hi;
        return edges;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Density h && inRange == h.inRange && nan == h.nan && infinite == h.infinite
                && Arrays.equals(edges, h.edges)
                && Arrays.equals(counts, h.counts) && Arrays.equals(density, h.density);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(edges) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "Density[" + bins() + " bins on [" + lo() + ", " + hi() + "], " + inRange + " values"
                + (hasNonFinite() ? ", " + nan + " NaN, " + infinite + " infinite" : "") + "]";
    }
}
