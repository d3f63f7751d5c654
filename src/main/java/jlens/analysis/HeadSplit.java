package jlens.analysis;

import java.util.List;

/**
 * One of Q, K or V of a layer split into its heads: {@code nHead} blocks of {@code [positions, dHead]}, head
 * {@code h} being columns {@code h*dHead..(h+1)*dHead-1} of the part (the model's own
 * {@code reshape(T, NH, HS)}).
 *
 * @param heads {@code [nHead][positions * dHead]}, each row-major
 */
public record HeadSplit(int layer, QkvPart part, int firstPosition, int positions, int nHead, int dHead, float[][] heads)
        implements AnalysisResult {

    /** The heads stacked: {@code [nHead, positions, dHead]}. */
    @Override
    public NdData array() {
        return NdData.stack(new long[] {positions, dHead}, heads);
    }


    public HeadSplit {
        if (heads.length != nHead) {
            throw new IllegalArgumentException(heads.length + " heads given for nHead " + nHead);
        }
        for (float[] h : heads) {
            if (h.length != positions * dHead) {
                throw new IllegalArgumentException("each head must hold " + positions + " x " + dHead + " values");
            }
        }
    }

    /** {@code [positions, dHead]}, the shape of each head. */
    public int[] headShape() {
        return new int[] {positions, dHead};
    }

    public float[] head(int head) {
        return heads[Checks.head(head, nHead)];
    }

    @Override
    public List<String> columns() {
        return List.of("head", "position", "dim", part.label());
    }

    @Override
    public int rowCount() {
        return nHead * positions * dHead;
    }

    @Override
    public Object[] row(int i) {
        int perHead = positions * dHead;
        int h = i / perHead;
        int j = i % perHead;
        return new Object[] {h, firstPosition + j / dHead, j % dHead, heads[h][j]};
    }

    /** Which heads hold NaN or infinite values, and how many (saved as nan/inf, as they are). */
    @Override
    public String undefinedNote() {
        return Stats.nonFiniteNote(java.util.stream.IntStream.range(0, nHead).mapToObj(h -> "head " + h).toList(), List.of(heads));
    }

    @Override
    public String toString() {
        return "HeadSplit[layer " + layer + " " + part.label() + ": " + nHead + " heads of " + positions + " x " + dHead + "]";
    }
}
