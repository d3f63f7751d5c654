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
    public static Layer layer(ActivationCache cache, Gpt2Config config, int layer, int firstPosition) {
        int l = Checks.layer(layer, config.nLayer());
        String name = HookPoint.block(l, HookPoint.QKV);
        NDArray qkv = cache.get(name); // [1, T, 3C]
        Tensors.requireSingleSequence(qkv, 3, name);
        int t = (int) qkv.getShape().get(1);
        int first = Checks.firstPosition(firstPosition, t);
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
            return new Layer(l, first, size, config.dHead(), scores.toFloatArray(), softmax.toFloatArray());
        }
    }

    /** From one pass of {@code ids} that captures only this layer's {@code hook_qkv}. */
    public static Layer layer(Gpt2 model, long[] ids, int layer, int firstPosition) {
        Gpt2Config config = model.config();
        String hook = HookPoint.block(Checks.layer(layer, config.nLayer()), HookPoint.QKV);
        return CapturedPass.analyse(model, ids, List.of(hook), run -> layer(run.cache(), config, layer, firstPosition));
    }

    /** Mean, std and {@code bins}-bin density histograms of the matrix and of its softmax, for every layer. */
    public static AllLayers allLayers(ActivationCache cache, Gpt2Config config, int firstPosition, int bins) {
        Checks.bins(bins);
        int layers = config.nLayer();
        double[] mean = new double[layers];
        double[] std = new double[layers];
        List<Density> scoreHistograms = new ArrayList<>();
        List<Density> softmaxHistograms = new ArrayList<>();
        int size = 0;
        for (int l = 0; l < layers; l++) {
            Layer m = layer(cache, config, l, firstPosition);
            size = m.size();
            mean[l] = Stats.mean(m.scores());
            std[l] = Stats.std(m.scores());
            scoreHistograms.add(Density.auto(m.scores(), bins));
            softmaxHistograms.add(Density.auto(m.softmax(), bins));
        }
        return new AllLayers(firstPosition, size, config.dHead(), bins, mean, std, scoreHistograms, softmaxHistograms);
    }

    /** From one pass of {@code ids} that captures only {@code hook_qkv}. */
    public static AllLayers allLayers(Gpt2 model, long[] ids, int firstPosition, int bins) {
        Gpt2Config config = model.config();
        return CapturedPass.analyse(model, ids, CapturedPass.qkvHooks(config.nLayer()),
                run -> allLayers(run.cache(), config, firstPosition, bins));
    }

    /**
     * The notebook's QK^T of one layer: {@code q[first:] @ k[first:].T / sqrt(dHead)} with the full d_model-wide Q and
     * K, no causal mask and no split into heads (demo 2 step 1), and its row softmax. Both {@code [size, size]}
     * row-major; row and column {@code i} are token position {@code firstPosition + i}.
     *
     * @param dHead the head width whose square root scales the scores (the model's attention scale)
     * @param scores the scaled dot products
     * @param softmax softmax of each row of {@code scores}
     */
    public record Layer(int layer, int firstPosition, int size, int dHead, float[] scores, float[] softmax)
            implements AnalysisResult {

        /** The scores: {@code [size, size]}. */
        @Override
        public NdData array() {
            return NdData.of(new long[] {size, size}, scores);
        }


        public Layer {
            if (scores.length != size * size || softmax.length != size * size) {
                throw new IllegalArgumentException("QK^T of " + size + " positions needs " + size * size + " values");
            }
        }

        public float score(int query, int key) {
            return scores[query * size + key];
        }

        /** Scores that are NaN or infinite (from non-finite Q or K). */
        public int nonFinite() {
            int n = 0;
            for (float v : scores) {
                n += Float.isFinite(v) ? 0 : 1;
            }
            return n;
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
            return "Layer[layer " + layer + ", " + size + " x " + size + " over positions " + firstPosition + ".."
                    + (firstPosition + size - 1) + ", / sqrt(" + dHead + ")]";
        }
    }

    /**
     * The notebook's QK^T (see {@link Layer}) summarised per layer (demo 2 steps 3-4): mean and unbiased std of
     * the matrix, and density histograms of its values and of its row softmax, each over that layer's own range.
     */
    public record AllLayers(int firstPosition, int size, int dHead, int bins, double[] mean, double[] std,
            List<Density> scoreHistograms, List<Density> softmaxHistograms) implements AnalysisResult {

        /** Mean and std by layer: {@code [layers, 2]}. */
        @Override
        public NdData array() {
            double[][] rows = new double[mean.length][];
            for (int l = 0; l < mean.length; l++) {
                rows[l] = new double[] {mean[l], std[l]};
            }
            return NdData.rows(rows);
        }


        public AllLayers {
            scoreHistograms = List.copyOf(scoreHistograms);
            softmaxHistograms = List.copyOf(softmaxHistograms);
        }

        public int layers() {
            return mean.length;
        }

        @Override
        public List<String> columns() {
            return List.of("layer", "mean", "std");
        }

        @Override
        public int rowCount() {
            return mean.length;
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {i, mean[i], std[i]};
        }
    }
}
