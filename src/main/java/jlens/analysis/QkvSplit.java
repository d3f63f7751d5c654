package jlens.analysis;

import java.util.List;

/**
 * One layer's {@code c_attn} output split into Q, K and V, each {@code [positions, dModel]} row-major, over token
 * positions {@code firstPosition..tokens-1}.
 *
 * @param layer the layer
 * @param firstPosition first token position kept (1 leaves the attention sink out, as the notebook does)
 * @param tokens tokens in the forward pass (T)
 * @param dModel width of each of Q, K, V (C)
 * @param q queries {@code [positions, dModel]}
 * @param k keys {@code [positions, dModel]}
 * @param v values {@code [positions, dModel]}
 */
public record QkvSplit(int layer, int firstPosition, int tokens, int dModel, float[] q, float[] k, float[] v)
        implements AnalysisResult {

    /** Q, K and V stacked: {@code [3, positions, dModel]}. */
    @Override
    public NdData array() {
        return NdData.stack(new long[] {positions(), dModel}, q, k, v);
    }


    public QkvSplit {
        long size = (long) (tokens - firstPosition) * dModel;
        if (q.length != size || k.length != size || v.length != size) {
            throw new IllegalArgumentException("Q, K, V must each hold " + (tokens - firstPosition) + " x " + dModel + " values");
        }
    }

    /** Positions kept (rows of each part). */
    public int positions() {
        return tokens - firstPosition;
    }

    /** {@code [positions, dModel]}, the shape of each of Q, K, V. */
    public int[] shape() {
        return new int[] {positions(), dModel};
    }

    public float[] part(QkvPart part) {
        return switch (part) {
            case Q -> q;
            case K -> k;
            case V -> v;
        };
    }

    /** Value of {@code part} at row {@code row} (token position {@code firstPosition + row}) and dimension {@code dim}. */
    public float get(QkvPart part, int row, int dim) {
        return part(part)[row * dModel + dim];
    }

    @Override
    public List<String> columns() {
        return List.of("position", "dim", "q", "k", "v");
    }

    @Override
    public int rowCount() {
        return q.length;
    }

    @Override
    public Object[] row(int i) {
        return new Object[] {firstPosition + i / dModel, i % dModel, q[i], k[i], v[i]};
    }

    /** Which of Q, K, V hold NaN or infinite values, and how many (saved as nan/inf, as they are). */
    @Override
    public String undefinedNote() {
        return Stats.nonFiniteNote(List.of("Q", "K", "V"), List.of(q, k, v));
    }

    @Override
    public String toString() {
        return "QkvSplit[layer " + layer + ", positions " + firstPosition + ".." + (tokens - 1) + ", Q, K, V each "
                + positions() + " x " + dModel + "]";
    }
}
