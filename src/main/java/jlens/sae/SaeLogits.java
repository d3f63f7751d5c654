package jlens.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.NonFiniteException;

/**
 * Where a feature writes: its decoder row {@code W_dec[f]} carried into the residual stream where its hook is not there
 * already (z through its heads' rows of {@code W_O}, the MLP's hidden layer through {@code W_out}), and from there what
 * it adds to each logit: Neuronpedia's and TransformerLens's logit weights {@code W_dec @ W_U} on TransformerLens's
 * processed weights, whatever processing is loaded. On unprocessed weights that is the direction centred over d_model,
 * times {@code ln_f}'s weight, through {@code W_U}, centred over the vocabulary (what fold_ln, the centring and
 * center_unembed do to {@code W_U}); no bias, no LayerNorm scale. The tokens a feature promotes and suppresses.
 */
public final class SaeLogits {
    /** Hook points whose activation is the residual stream or a write into it. */
    private static final Set<String> RESIDUAL = Set.of(HookPoint.RESID_PRE, HookPoint.RESID_MID, HookPoint.RESID_POST,
            HookPoint.ATTN_OUT, HookPoint.MLP_OUT);

    private SaeLogits() {}

    /** A token and what a direction adds to its logit. */
    public record TokenWeight(long id, String token, double weight) {}

    /** A feature's most promoted and most suppressed tokens, largest effect first. */
    public record Weights(int feature, List<TokenWeight> promoted, List<TokenWeight> suppressed) {}

    /** Why a feature at this SAE's hook has no direct path to the logits; null when it has one. */
    public static String pathProblem(Sae sae) {
        String hook = sae.hook();
        String point = HookPoint.pointOf(hook);
        boolean ok = RESIDUAL.contains(point) || hook.equals(HookPoint.EMBED) || hook.equals(HookPoint.POS_EMBED)
                || point.equals(HookPoint.Z) || point.equals(HookPoint.MLP_POST);
        return ok ? null : hook + " is not the residual stream nor a write into it (z, the MLP's hidden layer): its"
                + " features have no direct path to the logits";
    }

    /**
     * The residual-stream directions {@code [n, C]} of {@code features}, in {@code m}.
     *
     * @throws IllegalArgumentException when the hook has no direct path ({@link #pathProblem})
     */
    public static NDArray directions(Gpt2 model, Sae sae, int[] features, NDManager m) {
        String problem = pathProblem(sae);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        NDArray rows = sae.decoderRows(features, m); // [n, D]
        String hook = sae.hook();
        String point = HookPoint.pointOf(hook);
        int layer = HookPoint.layerOf(hook);
        if (point.equals(HookPoint.Z)) {
            NDArray wo = model.weights().copy("h." + layer + ".attn.c_proj.weight", m).toType(DataType.FLOAT32, false); // [C, C]
            int h = sae.config().hookHeadIndex();
            if (h >= 0) {
                int hs = model.config().dHead();
                wo = wo.get(new NDIndex("{}:{}, :", h * hs, (h + 1) * hs)); // [HS, C], this head's rows
            }
            return rows.matMul(wo); // [n, C]
        }
        if (point.equals(HookPoint.MLP_POST)) {
            NDArray wOut = model.weights().copy("h." + layer + ".mlp.c_proj.weight", m).toType(DataType.FLOAT32, false); // [4C, C]
            return rows.matMul(wOut); // [n, C]
        }
        return rows; // [n, C]
    }

    /** The {@code k} most promoted and most suppressed tokens of each feature. */
    public static List<Weights> of(Gpt2 model, Sae sae, int[] features, int k) {
        List<Weights> out = new ArrayList<>();
        if (features.length == 0) {
            return out;
        }
        try (NDManager m = model.manager().newSubManager()) {
            NDArray logits = weights(model, directions(model, sae, features, m)); // [n, V]
            // no token is ranked from NaN (ARCHITECTURE.md, "Non-finite values"): the weights it goes through are not finite
            NonFiniteException.requireFinite(logits.toFloatArray(), "the logit weights of " + features.length + " feature"
                    + (features.length == 1 ? "" : "s") + " (through the decoder, the final LayerNorm's weight and the"
                    + " unembedding)", "the tokens they promote and suppress are undefined", null);
            int kk = (int) Math.min(k, logits.getShape().get(1));
            NDList top = logits.topK(kk, 1, true, true); // [n, k] values, indices
            NDList bottom = logits.topK(kk, 1, false, true);
            float[] tv = top.get(0).toFloatArray();
            long[] ti = top.get(1).toType(DataType.INT64, false).toLongArray();
            float[] bv = bottom.get(0).toFloatArray();
            long[] bi = bottom.get(1).toType(DataType.INT64, false).toLongArray();
            for (int i = 0; i < features.length; i++) {
                out.add(new Weights(features[i], tokens(model, ti, tv, i * kk, kk), tokens(model, bi, bv, i * kk, kk)));
            }
        }
        return out;
    }

    /**
     * What residual directions {@code dirs} {@code [n, C]} add to each logit, as on processed weights: {@code [n, V]}
     * float32, in {@code dirs}'s manager.
     */
    public static NDArray weights(Gpt2 model, NDArray dirs) {
        NDArray gamma = dirs.getManager().create(model.weights().finalNormWeight()); // [C], 1 on processed weights
        NDArray d = dirs.toType(DataType.FLOAT32, false);
        d = d.sub(d.mean(new int[] {1}, true)).mul(gamma); // [n, C], centred over d_model, through ln_f's weight
        NDArray w = model.weights().unembedProduct(d.toType(model.dtype(), false), false).toType(DataType.FLOAT32, false); // [n, V]
        return w.sub(w.mean(new int[] {1}, true)); // [n, V], centred over the vocabulary
    }

    private static List<TokenWeight> tokens(Gpt2 model, long[] ids, float[] values, int from, int k) {
        long[] slice = java.util.Arrays.copyOfRange(ids, from, from + k);
        List<TokenWeight> out = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            out.add(new TokenWeight(slice[j], piece(model, slice[j]), values[from + j]));
        }
        return out;
    }

    /** The text of token {@code id}, or {@code <id N>} past the tokenizer's vocabulary (a model padded wider). */
    static String piece(Gpt2 model, long id) {
        return id < model.tokenizer().vocabSize() ? model.tokenizer().pieces(new long[] {id})[0] : "<id " + id + ">";
    }
}
