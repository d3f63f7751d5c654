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

/**
 * The logit lens: the residual stream entering each layer ({@code resid_pre}), and the final residual, read out
 * as if it were the last: the FULL final LayerNorm with each row's own mean and variance, then the tied
 * unembedding {@code W_U = wte^T}. (Reusing the final row's LayerNorm scale for every layer was TransformerLens's
 * bug until its PR #1077.) The last row is then exactly the model's own prediction.
 */
public final class LogitLens {
    /** Rows per unembedding product: bounds the {@code [rows, V]} logits (51 MB for GPT-2's vocabulary). */
    private static final int ROWS_PER_SLICE = 256;

    private LogitLens() {}

    /** What the lens reads: {@code resid_pre} of every layer and {@code resid_post} of the last. */
    public static List<String> hooks(int nLayer) {
        List<String> names = new ArrayList<>(nLayer + 1);
        for (int l = 0; l < nLayer; l++) {
            names.add(HookPoint.block(l, HookPoint.RESID_PRE));
        }
        names.add(HookPoint.block(nLayer - 1, HookPoint.RESID_POST));
        return names;
    }

    /** Runs {@code ids} capturing {@link #hooks} and reads the lens; {@code target} -1 is the real next token. */
    public static LogitLensResult compute(Gpt2 model, long[] ids, int position, long target) {
        return CapturedPass.analyse(model, ids, hooks(model.config().nLayer()),
                run -> compute(run.cache(), run.logits(), model, ids, position, target));
    }

    /**
     * @param cache a pass holding {@link #hooks}
     * @param logits that pass's logits {@code [1, T, V]}, for the check that the last row is the model's prediction
     * @param ids the pass's token ids
     * @param position the read-out position (negative counts from the end; -2 predicts the last token)
     * @param target the token whose log-prob and rank are followed; -1 for the real next token
     */
    public static LogitLensResult compute(ActivationCache cache, NDArray logits, Gpt2 model, long[] ids, int position,
                                          long target) {
        int nLayer = model.config().nLayer();
        int t = ids.length;
        Tensors.requireSingleSequence(logits, 3, "logits");
        if (logits.getShape().get(1) != t) {
            throw new IllegalArgumentException(t + " token ids given for logits of " + logits.getShape().get(1) + " positions");
        }
        int v = (int) logits.getShape().get(2);
        int p = Checks.position(position, t);
        long tgt = target >= 0 ? target : nextToken(ids, p);
        if (tgt >= v) {
            throw new IllegalArgumentException("token id " + tgt + " is outside the vocabulary 0.." + (v - 1));
        }
        List<String> rows = hooks(nLayer);
        int n = rows.size();
        double[] logprob = new double[n];
        int[] rank = new int[n];
        int[] top1 = new int[n];
        double[] top1Logprob = new double[n];
        int[][] table = new int[n][t];
        double[][] margins = new double[n][t];
        double finalDiff;
        try (NDManager scope = cache.manager().newSubManager()) {
            NDList stack = new NDList(n);
            for (String name : rows) {
                NDArray a = cache.get(name); // [1, T, C]
                Tensors.requireSingleSequence(a, 3, name);
                NDArray handle = a.reshape(a.getShape()); // computed from in scope, not in the cache's manager
                handle.attach(scope);
                stack.add(handle);
            }
            NDArray ln = MetricUnembedding.finalNorm(model, NDArrays.concat(stack, 0)); // [L+1, T, C]
            Gpt2Weights w = model.weights();

            // The read-out position: every row's whole distribution, in double.
            float[] atP = Tensors.floats(w.unembedProduct(ln.get(":, {}, :", p))); // [L+1, V]
            float[] row = new float[v];
            for (int r = 0; r < n; r++) {
                System.arraycopy(atP, r * v, row, 0, v);
                double lse = Metric.logSumExp(row);
                float tl = row[(int) tgt];
                int higher = 0;
                int best = 0;
                for (int i = 0; i < v; i++) {
                    if (row[i] > tl) {
                        higher++;
                    }
                    if (row[i] > row[best]) { // strict: ties keep the lowest id
                        best = i;
                    }
                }
                logprob[r] = tl - lse;
                rank[r] = higher;
                top1[r] = best;
                top1Logprob[r] = row[best] - lse;
            }
            finalDiff = maxAbsLogprobDiff(row, logits, p, v);

            // Every position: the top token and its margin over the runner-up, slice by slice.
            NDArray flat = ln.reshape(n * (long) t, -1); // [(L+1)*T, C]
            long total = (long) n * t;
            for (long from = 0; from < total; from += ROWS_PER_SLICE) {
                long to = Math.min(total, from + ROWS_PER_SLICE);
                try (NDManager slice = scope.newSubManager()) {
                    NDArray some = flat.get("{}:{}", from, to); // [b, C]
                    some.attach(slice);
                    NDArray sliceLogits = w.unembedProduct(some); // [b, V]
                    long[] best = sliceLogits.argMax(1).toLongArray(); // [b], first maximum: the lowest id on ties
                    float[] two = Tensors.floats(sliceLogits.topK(2, 1, true, true).get(0)); // [b, 2] values
                    for (int i = 0; i < best.length; i++) {
                        long k = from + i;
                        table[(int) (k / t)][(int) (k % t)] = (int) best[i];
                        margins[(int) (k / t)][(int) (k % t)] = (double) two[2 * i] - two[2 * i + 1];
                    }
                }
            }
        }
        return new LogitLensResult(p, tgt, rows, logprob, rank, top1, top1Logprob, table, margins, finalDiff);
    }

    private static long nextToken(long[] ids, int p) {
        if (p + 1 >= ids.length) {
            throw new IllegalArgumentException("position " + p + " is the last token, so there is no real next token to follow; "
                    + "give a target token or use an earlier position");
        }
        return ids[p + 1];
    }

    /** Largest |lens last row's log-prob - the model's log-prob| over the vocabulary at {@code p}. */
    private static double maxAbsLogprobDiff(float[] lastRow, NDArray logits, int p, int v) {
        float[] model;
        try (NDArray r = logits.get(0, p)) { // [V]
            model = Tensors.floats(r);
        }
        double lseLens = Metric.logSumExp(lastRow);
        double lseModel = Metric.logSumExp(model);
        double max = 0;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, Math.abs((lastRow[i] - lseLens) - (model[i] - lseModel)));
        }
        return max;
    }
}
