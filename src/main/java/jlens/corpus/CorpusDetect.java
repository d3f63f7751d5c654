package jlens.corpus;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.NdData;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * {@code corpus detect KIND}: TransformerLens's head detector ({@link jlens.analysis.HeadDetector}: with A a head's
 * pattern and D the detection pattern of the window's ids, {@code sum(A * D) / sum(A)} after the exclusions) on every
 * window, averaged over the windows as TransformerLens averages over prompts (the mean of the ratios). The pattern is
 * scored on the engine, the whole batch at once; {@code HeadDetector.detect} on the same windows is the oracle.
 */
public record CorpusDetect(HeadDetectKind kind, boolean excludeBos, boolean excludeCurrent) implements CorpusReduction<CorpusDetect.Sums> {
    @Override
    public String task() {
        return "detect";
    }

    /** Per head, the sum over windows of its score, {@code [L * NH]}. */
    public record Sums(String kind, boolean excludeBos, boolean excludeCurrent, int nLayer, int nHead, long windows, double[] scores)
            implements CorpusSums<Sums> {
        @Override
        public Sums plus(Sums o) {
            if (!kind.equals(o.kind) || excludeBos != o.excludeBos || excludeCurrent != o.excludeCurrent || nLayer != o.nLayer
                    || nHead != o.nHead) {
                throw new IllegalArgumentException("cannot add scores of another detector, flags or model");
            }
            return new Sums(kind, excludeBos, excludeCurrent, nLayer, nHead, windows + o.windows, CorpusArrays.add(scores, o.scores));
        }

        void check() {
            HeadDetectKind.parse(kind);
            if (nLayer < 1 || nHead < 1 || scores.length != nLayer * nHead || windows < 0) {
                throw new IllegalArgumentException("detection sums that do not fill " + nLayer + " x " + nHead + " heads");
            }
        }
    }

    @Override
    public Sums empty(Gpt2Config c) {
        return new Sums(kind.label(), excludeBos, excludeCurrent, c.nLayer(), c.nHead(), 0, new double[c.nLayer() * c.nHead()]);
    }

    @Override
    public Pass<Sums> pass(Gpt2 model, List<Window> batch, Hooks.Scope scope) {
        Sums sums = empty(model.config());
        int b = batch.size();
        int t = batch.get(0).length();
        float[] detection = new float[b * t * t]; // [B, 1, T, T], the kept cells of D
        float[] kept = new float[t * t]; // [T, T], 0 where the exclusions zero A
        for (int w = 0; w < b; w++) {
            boolean[][] d = kind.pattern(batch.get(w).ids());
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    detection[(w * t + i) * t + j] = d[i][j] ? 1f : 0f;
                }
            }
        }
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                kept[i * t + j] = (excludeBos && j == 0) || (excludeCurrent && i == j) ? 0f : 1f;
            }
        }
        int nHead = model.config().nHead();
        for (int l = 0; l < model.config().nLayer(); l++) {
            int layer = l;
            scope.add(HookPoint.block(l, HookPoint.PATTERN), (name, a) -> {
                try (NDManager m = a.getManager().newSubManager()) {
                    NDArray p = CorpusArrays.in(a, m).toType(DataType.FLOAT32, false); // [B, NH, T, T]
                    NDArray k = m.create(kept, new Shape(1, 1, t, t));
                    NDArray d = m.create(detection, new Shape(b, 1, t, t));
                    NDArray masked = p.mul(k); // [B, NH, T, T]
                    float[] matched = CorpusArrays.floats(masked.mul(d).sum(new int[] {2, 3})); // [B, NH]
                    float[] total = CorpusArrays.floats(masked.sum(new int[] {2, 3})); // [B, NH]
                    for (int w = 0; w < b; w++) {
                        for (int h = 0; h < nHead; h++) {
                            sums.scores()[layer * nHead + h] += (double) matched[w * nHead + h] / total[w * nHead + h];
                        }
                    }
                }
                return null;
            });
        }
        return residual -> new Sums(sums.kind(), excludeBos, excludeCurrent, sums.nLayer(), nHead, b, sums.scores());
    }

    @Override
    public CorpusResult result(CorpusInfo info, Sums sums) {
        return new Result(info, sums);
    }

    /** The mean scores, and what they were computed from. */
    public record Result(CorpusInfo info, Sums sums) implements CorpusResult {
        /** As the detectors' own result: the mean over windows of each head's score. */
        public HeadDetectResult detection() {
            double[][] m = new double[sums.nLayer()][sums.nHead()];
            for (int l = 0; l < m.length; l++) {
                for (int h = 0; h < m[l].length; h++) {
                    m[l][h] = sums.windows() == 0 ? Double.NaN : sums.scores()[l * sums.nHead() + h] / sums.windows();
                }
            }
            return new HeadDetectResult(sums.kind(), sums.excludeBos(), sums.excludeCurrent(),
                    (int) Math.min(Integer.MAX_VALUE, sums.windows()), m);
        }

        @Override
        public List<String> columns() {
            return List.of("layer", "head", "score");
        }

        @Override
        public int rowCount() {
            return sums.nLayer() * sums.nHead();
        }

        @Override
        public Object[] row(int i) {
            int l = i / sums.nHead();
            int h = i % sums.nHead();
            return new Object[] {l, h, detection().scores()[l][h]};
        }

        @Override
        public NdData array() {
            return NdData.rows(detection().scores());
        }
    }
}
