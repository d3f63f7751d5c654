package jlens.analysis;

import java.util.List;

/**
 * The notebook's QK^T of one layer: {@code q[first:] @ k[first:].T / sqrt(dHead)} with the full d_model-wide Q and
 * K, no causal mask and no split into heads (demo 2 step 1), and its row softmax. Both {@code [size, size]}
 * row-major; row and column {@code i} are token position {@code firstPosition + i}.
 *
 * @param dHead the head width whose square root scales the scores (the model's attention scale)
 * @param scores the scaled dot products
 * @param softmax softmax of each row of {@code scores}
 */
public record QktMatrix(int layer, int firstPosition, int size, int dHead, float[] scores, float[] softmax)
        implements AnalysisResult {

    public QktMatrix {
        if (scores.length != size * size || softmax.length != size * size) {
            throw new IllegalArgumentException("QK^T of " + size + " positions needs " + size * size + " values");
        }
    }

    public float score(int query, int key) {
        return scores[query * size + key];
    }

    public double mean() {
        return Stats.mean(scores);
    }

    /** Unbiased standard deviation of the scores. */
    public double std() {
        return Stats.std(scores);
    }

    @Override
    public List<String> columns() {
        return List.of("query", "key", "score", "softmax");
    }

    @Override
    public int rowCount() {
        return scores.length;
    }

    @Override
    public Object[] row(int i) {
        return new Object[] {firstPosition + i / size, firstPosition + i % size, scores[i], softmax[i]};
    }

    @Override
    public String toString() {
        return "QktMatrix[layer " + layer + ", " + size + " x " + size + " over positions " + firstPosition + ".."
                + (firstPosition + size - 1) + ", / sqrt(" + dHead + ")]";
    }
}
