package jlens.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Density histograms of one layer's Q, K and V (demo 1 step 3).
 *
 * @param layer the layer
 * @param firstPosition first token position counted
 * @param positions positions counted
 * @param bins bins of each histogram
 * @param sharedEdges true when Q, K and V share one set of edges; false when each is binned over its own range, as
 *     the notebook does
 * @param q histogram of Q's values
 * @param k histogram of K's values
 * @param v histogram of V's values
 */
public record QkvLayerHistograms(int layer, int firstPosition, int positions, int bins, boolean sharedEdges,
        Histogram q, Histogram k, Histogram v) implements AnalysisResult {

    public Histogram part(QkvPart part) {
        return switch (part) {
            case Q -> q;
            case K -> k;
            case V -> v;
        };
    }

    /**
     * With shared edges the documented {@code bin_left,bin_right,q,k,v} (densities). Over each part's own range the
     * bins differ, so each part carries its own edges: {@code bin,q_bin_left,q_bin_right,q,k_bin_left,...}.
     */
    @Override
    public List<String> columns() {
        if (sharedEdges) {
            return List.of("bin_left", "bin_right", "q", "k", "v");
        }
        List<String> out = new ArrayList<>(List.of("bin"));
        for (QkvPart p : QkvPart.values()) {
            out.addAll(List.of(p.label() + "_bin_left", p.label() + "_bin_right", p.label()));
        }
        return out;
    }

    @Override
    public int rowCount() {
        return bins;
    }

    @Override
    public Object[] row(int i) {
        if (sharedEdges) {
            return new Object[] {q.edges()[i], q.edges()[i + 1], q.density()[i], k.density()[i], v.density()[i]};
        }
        return new Object[] {i, q.edges()[i], q.edges()[i + 1], q.density()[i], k.edges()[i], k.edges()[i + 1],
            k.density()[i], v.edges()[i], v.edges()[i + 1], v.density()[i]};
    }
}
