package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * The seed notebook's simplified attention scores: {@code q[first:] @ k[first:].T / sqrt(d_head)} over the full
 * d_model (all heads at once, no causal mask), from a layer's captured {@code hook_qkv}. The model's real per-head
 * causal scores are {@link HeadAttention}'s.
 */
public final class FullWidthQkt {
    private FullWidthQkt() {}

    /** The matrix and its row softmax for one layer (negative counts from the end). */
    public static QktMatrix layer(ActivationCache cache, Gpt2Config config, int layer, int firstPosition) {
        int l = Args.layer(layer, config.nLayer());
        String name = HookPoint.block(l, HookPoint.QKV);
        NDArray qkv = cache.get(name); // [1, T, 3C]
        Tensors.requireSingleSequence(qkv, 3, name);
        int t = (int) qkv.getShape().get(1);
        int first = Args.firstPosition(firstPosition, t);
        int size = t - first;
        // The matrix product runs on the engine (on the model's device): for gpt2-xl it is 1.7 GFLOP per layer.
        // Every temporary hangs on this scope, closed before returning; the cached activation is untouched.
        try (NDManager scope = qkv.getManager().newSubManager()) {
            NDArray rows = qkv.get(new NDIndex("0, {}:, :", first)); // [T', 3C]
            rows.attach(scope);
            rows = rows.toType(DataType.FLOAT32, false); // [T', 3C], widened for half-precision models
            NDList parts = rows.split(3, 1);
            NDArray q = parts.get(0); // [T', C]
            NDArray k = parts.get(1); // [T', C]
            NDArray scores = q.matMul(k.transpose()).divi(Math.sqrt(config.dHead())); // [T', T']
            NDArray softmax = scores.softmax(1); // [T', T'], rows sum to 1
            return new QktMatrix(l, first, size, config.dHead(), scores.toFloatArray(), softmax.toFloatArray());
        }
    }

    /** From one pass of {@code ids} that captures only this layer's {@code hook_qkv}. */
    public static QktMatrix layer(Gpt2 model, long[] ids, int layer, int firstPosition) {
        Gpt2Config config = model.config();
        String hook = HookPoint.block(Args.layer(layer, config.nLayer()), HookPoint.QKV);
        return CapturedPass.analyse(model, ids, List.of(hook), run -> layer(run.cache(), config, layer, firstPosition));
    }

    /** Mean, std and {@code bins}-bin density histograms of the matrix and of its softmax, for every layer. */
    public static QktByLayer allLayers(ActivationCache cache, Gpt2Config config, int firstPosition, int bins) {
        Args.bins(bins);
        int layers = config.nLayer();
        double[] mean = new double[layers];
        double[] std = new double[layers];
        List<Histogram> scoreHistograms = new ArrayList<>();
        List<Histogram> softmaxHistograms = new ArrayList<>();
        int size = 0;
        for (int l = 0; l < layers; l++) {
            QktMatrix m = layer(cache, config, l, firstPosition);
            size = m.size();
            mean[l] = Stats.mean(m.scores());
            std[l] = Stats.std(m.scores());
            scoreHistograms.add(Histogram.auto(m.scores(), bins));
            softmaxHistograms.add(Histogram.auto(m.softmax(), bins));
        }
        return new QktByLayer(firstPosition, size, config.dHead(), bins, mean, std, scoreHistograms, softmaxHistograms);
    }

    /** From one pass of {@code ids} that captures only {@code hook_qkv}. */
    public static QktByLayer allLayers(Gpt2 model, long[] ids, int firstPosition, int bins) {
        Gpt2Config config = model.config();
        return CapturedPass.analyse(model, ids, CapturedPass.qkvHooks(config.nLayer()),
                run -> allLayers(run.cache(), config, firstPosition, bins));
    }
}
