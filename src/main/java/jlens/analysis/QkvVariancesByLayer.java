package jlens.analysis;

import java.util.List;

/**
 * Unbiased variance of Q, K and V per layer (demo 1 steps 4 and 6), each over all its values at positions
 * {@code firstPosition..T-1}.
 *
 * @param q per layer, the variance of Q
 * @param k per layer, the variance of K
 * @param v per layer, the variance of V
 */
public record QkvVariancesByLayer(int firstPosition, int positions, double[] q, double[] k, double[] v)
        implements AnalysisResult {

    public int layers() {
        return q.length;
    }

    public double[] part(QkvPart part) {
        return switch (part) {
            case Q -> q;
            case K -> k;
            case V -> v;
        };
    }

    @Override
    public List<String> columns() {
        return List.of("layer", "q", "k", "v");
    }

    @Override
    public int rowCount() {
        return q.length;
    }

    @Override
    public Object[] row(int i) {
        return new Object[] {i, q[i], k[i], v[i]};
    }
}
