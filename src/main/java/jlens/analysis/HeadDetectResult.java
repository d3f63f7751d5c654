package jlens.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Head detection scores: for each layer and head, the share of its attention that falls on the detection pattern,
 * averaged over the prompts (TransformerLens's {@code detect_head} with {@code error_measure="mul"}). A score is
 * NaN where the head's attention, after the exclusions, sums to zero.
 *
 * @param detector the pattern's label ({@code previous-token}, ...)
 * @param excludeBos attention to position 0 was set to zero before the ratio
 * @param excludeCurrent attention of each position to itself was set to zero before the ratio
 * @param prompts how many prompts were averaged
 * @param scores {@code [L][H]}
 */
public record HeadDetectResult(String detector, boolean excludeBos, boolean excludeCurrent, int prompts,
                               double[][] scores) implements AnalysisResult {
    public int nLayer() {
        return scores.length;
    }

    public int nHead() {
        return scores.length == 0 ? 0 : scores[0].length;
    }

    public double score(int layer, int head) {
        return scores[layer][head];
    }

    /** Every head, highest score first (NaN last), ties in layer then head order. */
    public List<HeadDetectScore> ranked() {
        List<HeadDetectScore> all = new ArrayList<>();
        for (int l = 0; l < scores.length; l++) {
            for (int h = 0; h < scores[l].length; h++) {
                all.add(new HeadDetectScore(l, h, scores[l][h]));
            }
        }
        all.sort(Comparator.comparingDouble((HeadDetectScore s) -> Double.isNaN(s.score())
                ? Double.POSITIVE_INFINITY : -s.score()));
        return all;
    }

    /** The {@code n} highest-scoring heads. */
    public List<HeadDetectScore> top(int n) {
        List<HeadDetectScore> r = ranked();
        return List.copyOf(r.subList(0, Math.min(n, r.size())));
    }

    /** The scores as {@code [L, H]} (what {@code save det.npy} writes). */
    @Override
    public NdData array() {
        return NdData.rows(scores);
    }

    @Override
    public List<String> columns() {
        List<String> c = new ArrayList<>();
        c.add("layer");
        for (int h = 0; h < nHead(); h++) {
            c.add("head_" + h);
        }
        return c;
    }

    @Override
    public int rowCount() {
        return nLayer();
    }

    @Override
    public Object[] row(int i) {
        Object[] r = new Object[nHead() + 1];
        r[0] = i;
        for (int h = 0; h < nHead(); h++) {
            r[h + 1] = scores[i][h];
        }
        return r;
    }
}
