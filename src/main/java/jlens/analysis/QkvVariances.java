package jlens.analysis;

import jlens.hook.ActivationCache;
import java.util.List;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/** Per-layer unbiased variance of Q, K and V (the notebook's {@code q.var()}, over every value of the layer). */
public final class QkvVariances {
    private QkvVariances() {}

    /** Needs {@code hook_qkv} of every layer in {@code cache}. */
    public static ByLayer compute(ActivationCache cache, Gpt2Config config, int firstPosition) {
        int layers = config.nLayer();
        double[] q = new double[layers];
        double[] k = new double[layers];
        double[] v = new double[layers];
        int positions = 0;
        for (int l = 0; l < layers; l++) {
            QkvSplit split = QkvSplitter.split(cache, config, l, firstPosition);
            positions = split.positions();
            q[l] = Stats.variance(split.q());
            k[l] = Stats.variance(split.k());
            v[l] = Stats.variance(split.v());
        }
        return new ByLayer(firstPosition, positions, q, k, v);
    }

    /** From one pass of {@code ids} that captures only {@code hook_qkv}. */
    public static ByLayer compute(Gpt2 model, long[] ids, int firstPosition) {
        Gpt2Config config = model.config();
        return CapturedPass.analyse(model, ids, CapturedPass.qkvHooks(config.nLayer()),
                run -> compute(run.cache(), config, firstPosition));
    }

    /**
     * Unbiased variance of Q, K and V per layer (demo 1 steps 4 and 6), each over all its values at positions
     * {@code firstPosition..T-1}.
     *
     * @param q per layer, the variance of Q
     * @param k per layer, the variance of K
     * @param v per layer, the variance of V
     */
    public record ByLayer(int firstPosition, int positions, double[] q, double[] k, double[] v)
            implements AnalysisResult {

        /** Q, K and V variances by layer: {@code [layers, 3]}. */
        @Override
        public NdData array() {
            double[][] rows = new double[q.length][];
            for (int l = 0; l < q.length; l++) {
                rows[l] = new double[] {q[l], k[l], v[l]};
            }
            return NdData.rows(rows);
        }


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
}
