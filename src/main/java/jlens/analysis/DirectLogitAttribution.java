package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Weights;
import jlens.model.NonFiniteException;

/**
 * Direct logit attribution at one position: the final residual is a sum of components (token and position
 * embeddings, each head's output {@code z_h @ W_O[h]} with the value bias inside z, each layer's attention output
 * bias, each MLP's output with its bias), and the final LayerNorm is applied to each LINEARLY with the cached
 * scale of the whole residual ({@code sqrt(var + eps)}; TransformerLens's {@code apply_ln_to_stack} with
 * {@code recompute_ln=False}, on unprocessed weights): contribution(c) = ((c - mean(c)) / scale * ln_f.weight) . u
 * for the direction u = W_U[:, A] (or W_U[:, A] - W_U[:, B]). The constant ln_f.bias . u (plus b_U[A] - b_U[B] on
 * TransformerLens-processed weights, whose ln_f is folded into W_U and b_U) completes the sum, so components + constant
 * = the logit (or the logit difference) exactly, up to rounding. What changes in force add to
 * the residual (a steering vector) is no component's: it is the final residual minus them all, one more term.
 */
public final class DirectLogitAttribution {
    private DirectLogitAttribution() {}

    /**
     * The attribution's arguments checked before the text is run: a position of {@code ids} (negative counts from the
     * end) and tokens in the vocabulary. Returns the answer token: {@code answer}, or with -1 the real next token
     * (refused at the last position, which has none).
     */
    public static long checkArguments(long[] ids, long vocab, int position, long answer, long wrong) {
        int p = Checks.position(position, ids.length);
        if (answer < 0 && p + 1 >= ids.length) {
            throw new IllegalArgumentException("position " + p + " is the last token, so there is no real next token to "
                    + "attribute; give a token (dla -1 \" Paris\") or use an earlier position");
        }
        for (long id : new long[] {answer, wrong}) {
            if (id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (vocab - 1));
            }
        }
        return answer < 0 ? ids[p + 1] : answer;
    }

    /** What the attribution reads: the embeddings, every layer's {@code hook_z} and {@code hook_mlp_out}, the final residual. */
    public static List<String> hooks(int nLayer) {
        List<String> names = new ArrayList<>(2 * nLayer + 3);
        names.add(HookPoint.EMBED);
        names.add(HookPoint.POS_EMBED);
        for (int l = 0; l < nLayer; l++) {
            names.add(HookPoint.block(l, HookPoint.Z));
            names.add(HookPoint.block(l, HookPoint.MLP_OUT));
        }
        names.add(HookPoint.block(nLayer - 1, HookPoint.RESID_POST));
        return names;
    }

    /** Runs {@code ids} capturing {@link #hooks} and attributes; {@code wrong} -1 attributes one token's logit. */
    public static DirectLogitAttributionResult compute(Gpt2 model, long[] ids, int position, long answer, long wrong) {
        return CapturedPass.analyse(model, ids, hooks(model.config().nLayer()),
                run -> compute(run.cache(), run.logits(), model, position, answer, wrong));
    }

    /**
     * @param cache a pass holding {@link #hooks}
     * @param logits that pass's logits {@code [1, T, V]}: the logit the components must add up to
     * @param position the position attributed (negative counts from the end)
     * @param answer the token whose logit is attributed
     * @param wrong the token whose logit is subtracted (a logit difference), or -1
     */
    public static DirectLogitAttributionResult compute(ActivationCache cache, NDArray logits, Gpt2 model, int position,
                                                       long answer, long wrong) {
        int nLayer = model.config().nLayer();
        int nHead = model.config().nHead();
        int c = model.config().nEmbd();
        Tensors.requireSingleSequence(logits, 3, "logits");
        int t = (int) logits.getShape().get(1);
        long v = logits.getShape().get(2);
        int p = Checks.position(position, t);
        for (long id : wrong >= 0 ? new long[] {answer, wrong} : new long[] {answer}) {
            if (id < 0 || id >= v) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (v - 1));
            }
        }
        Gpt2Weights w = model.weights();
        float[] comps; // [N, C]: heads (layer-major), MLPs, attention biases, embed, pos_embed
        float[] x; // [C], the final residual
        float[] u; // [C], the direction
        float[] gamma; // [C]
        float[] beta; // [C]
        double logit;
        try (NDManager scope = cache.manager().newSubManager()) {
            NDList rows = new NDList();
            for (int l = 0; l < nLayer; l++) {
                NDArray z = at(cache, HookPoint.block(l, HookPoint.Z), p, scope).reshape(nHead, -1); // [NH, HS]
                rows.add(w.headOutputs(l, z)); // [NH, C], z through each head's rows of c_proj.weight
            }
            for (int l = 0; l < nLayer; l++) {
                rows.add(at(cache, HookPoint.block(l, HookPoint.MLP_OUT), p, scope).reshape(1, c)); // [1, C]
            }
            for (int l = 0; l < nLayer; l++) {
                rows.add(w.attnOutBias(l, scope).reshape(1, c)); // [1, C]
            }
            rows.add(at(cache, HookPoint.EMBED, p, scope).reshape(1, c)); // [1, C]
            rows.add(at(cache, HookPoint.POS_EMBED, p, scope).reshape(1, c)); // [1, C]
            comps = Tensors.floats(NDArrays.concat(rows, 0)); // [N, C]
            x = Tensors.floats(at(cache, HookPoint.block(nLayer - 1, HookPoint.RESID_POST), p, scope)); // [C]
            NDArray dir = MetricUnembedding.unembedRow(model, scope, answer); // [C]
            if (wrong >= 0) {
                dir = dir.sub(MetricUnembedding.unembedRow(model, scope, wrong));
            }
            u = Tensors.floats(dir);
            gamma = w.finalNormWeight();
            beta = w.finalNormBias();
            float[] row;
            try (NDArray r = logits.get(0, p)) { // [V]
                row = Tensors.floats(r);
            }
            logit = wrong >= 0 ? (double) row[(int) answer] - row[(int) wrong] : row[(int) answer];
        }
        // An attribution of NaN splits nothing: refused, naming the first part that is not finite
        String at = " at position " + p;
        String undefined = "the attribution is undefined";
        NonFiniteException.requireFinite(x, "the final residual stream" + at, undefined, null);
        NonFiniteException.requireFinite(comps, "the components' outputs (heads, MLPs, biases, embeddings)" + at, undefined, null);
        NonFiniteException.requireFinite(gamma, "the final LayerNorm's weights", undefined, null);
        NonFiniteException.requireFinite(beta, "the final LayerNorm's biases", undefined, null);
        NonFiniteException.requireFinite(u, "the unembedding's direction", undefined, null);
        NonFiniteException.requireFinite(new double[] {logit}, "the model's " + (wrong >= 0 ? "logit difference" : "logit") + at,
                "there is nothing to check the attribution against", null);
        double[] through = throughFinalNorm(model, comps, x, u, gamma, beta,
                w.unembedBias(answer) - (wrong >= 0 ? w.unembedBias(wrong) : 0)); // b_U: 0 unless processed
        int n = comps.length / c;
        double[] value = java.util.Arrays.copyOf(through, n);
        double constant = through[n];
        double scale = through[n + 1];
        double[][] perHead = new double[nLayer][nHead];
        double[] mlp = new double[nLayer];
        double[] attnBias = new double[nLayer];
        int i = 0;
        for (int l = 0; l < nLayer; l++) {
            for (int h = 0; h < nHead; h++) {
                perHead[l][h] = value[i++];
            }
        }
        for (int l = 0; l < nLayer; l++) {
            mlp[l] = value[i++];
        }
        for (int l = 0; l < nLayer; l++) {
            attnBias[l] = value[i++];
        }
        double embed = value[i++];
        double posEmbed = value[i];
        double[] sum = new double[c]; // what no component explains: the changes in force, or rounding
        for (int k = 0; k < comps.length; k++) {
            sum[k % c] += comps[k];
        }
        float[] rest = new float[c];
        for (int k = 0; k < c; k++) {
            rest[k] = (float) (x[k] - sum[k]);
        }
        double inForce = throughFinalNorm(model, rest, x, u, gamma, beta, 0)[0];
        double total = constant + inForce;
        for (double a : value) {
            total += a;
        }
        return new DirectLogitAttributionResult(p, answer, wrong, perHead, mlp, attnBias, embed, posEmbed, constant,
                scale, logit, total, inForce);
    }

    /** Position {@code p} of a captured {@code [1, T, ...]} activation, as a handle in {@code scope}. */
    private static NDArray at(ActivationCache cache, String name, int p, NDManager scope) {
        NDArray a = cache.get(name);
        if (a.getShape().get(0) != 1) {
            throw new IllegalArgumentException(name + " has shape " + a.getShape() + "; expected one sequence (batch 1)");
        }
        NDArray handle = a.reshape(a.getShape());
        handle.attach(scope);
        return handle.get(0, p); // [...]
    }

    /**
     * Rows {@code comps} {@code [N, C]} of a final residual {@code x} {@code [C]}, each through the final LayerNorm applied
     * linearly with x's cached scale ({@code ((c - mean(c)) / scale) * gamma}) and dotted with {@code u}: the N
     * contributions, then the constant {@code beta . u + bias} (element N), then the scale {@code sqrt(var(x) + eps)}
     * (element N+1). With every component of x given, contributions plus the constant are the logit.
     */
    public static double[] throughFinalNorm(Gpt2 model, float[] comps, float[] x, float[] u, float[] gamma, float[] beta,
                                            double bias) {
        int c = x.length;
        double scale = Math.sqrt(variance(x) + model.config().layerNormEps());
        double[] gu = new double[c];
        double constant = bias;
        for (int k = 0; k < c; k++) {
            gu[k] = (double) gamma[k] * u[k];
            constant += (double) beta[k] * u[k];
        }
        int n = comps.length / c;
        double[] out = new double[n + 2];
        for (int i = 0; i < n; i++) {
            out[i] = contribution(comps, i * c, c, gu) / scale;
        }
        out[n] = constant;
        out[n + 1] = scale;
        return out;
    }

    /** {@code (c - mean(c)) . gu} for component c = {@code comps[from..from+C-1]}. */
    private static double contribution(float[] comps, int from, int c, double[] gu) {
        double mean = 0;
        for (int k = 0; k < c; k++) {
            mean += comps[from + k];
        }
        mean /= c;
        double sum = 0;
        for (int k = 0; k < c; k++) {
            sum += (comps[from + k] - mean) * gu[k];
        }
        return sum;
    }

    /** Population variance, as LayerNorm uses. */
    private static double variance(float[] x) {
        double mean = 0;
        for (float a : x) {
            mean += a;
        }
        mean /= x.length;
        double sum = 0;
        for (float a : x) {
            sum += (a - mean) * (a - mean);
        }
        return sum / x.length;
    }
}
