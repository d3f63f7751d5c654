package jlens.analysis;

import jlens.hook.ActivationCache;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/** Per-layer unbiased variance of Q, K and V (the notebook's {@code q.var()}, over every value of the layer). */
public final class QkvVariances {
    private QkvVariances() {}

    /** Needs {@code hook_qkv} of every layer in {@code cache}. */
    public static QkvVariancesByLayer compute(ActivationCache cache, Gpt2Config config, int firstPosition) {
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
        return new QkvVariancesByLayer(firstPosition, positions, q, k, v);
    }

    /** From one pass of {@code ids} that captures only {@code hook_qkv}. */
    public static QkvVariancesByLayer compute(Gpt2 model, long[] ids, int firstPosition) {
        Gpt2Config config = model.config();
        return CapturedPass.analyse(model, ids, CapturedPass.qkvHooks(config.nLayer()),
                run -> compute(run.cache(), config, firstPosition));
    }
}
