package jlens.analysis;

import java.util.List;

/**
 * Density histograms of Q, K and V for every layer on common edges (demo 1 steps 4-5): each part gives a
 * layer x bin matrix for a heatmap.
 *
 * @param firstPosition first token position counted
 * @param positions positions counted per layer
 * @param bins bins per histogram
 * @param lo lower edge of the common range
 * @param hi upper edge of the common range
 * @param q per layer, the histogram of Q
 * @param k per layer, the histogram of K
 * @param v per layer, the histogram of V
 */
public record QkvHistogramsByLayer(int firstPosition, int positions, int bins, double lo, double hi,
        List<Histogram> q, List<Histogram> k, List<Histogram> v) implements AnalysisResult {

    public QkvHistogramsByLayer {
        q = List.copyOf(q);
        k = List.copyOf(k);
        v = List.copyOf(v);
    }

    public int layers() {
        return q.size();
    }

    /** The common bin edges ({@code bins + 1}). */
    public double[] edges() {
        return q.get(0).edges().clone();
    }

    public List<Histogram> part(QkvPart part) {
        return switch (part) {
            case Q -> q;
            case K -> k;
            case V -> v;
        };
    }

    /** Densities of {@code part}, {@code [layers][bins]}: row {@code l} is layer {@code l}. */
    public double[][] densities(QkvPart part) {
        return part(part).stream().map(h -> h.density().clone()).toArray(double[][]::new);
    }

    @Override
    public List<String> columns() {
        return List.of("layer", "bin_left", "bin_right", "q", "k", "v");
    }

    @Override
    public int rowCount() {
        return layers() * bins;
    }

    @Override
    public Object[] row(int i) {
        int l = i / bins;
        int b = i % bins;
        double[] e = q.get(l).edges();
        return new Object[] {l, e[b], e[b + 1], q.get(l).density()[b], k.get(l).density()[b], v.get(l).density()[b]};
    }
}
