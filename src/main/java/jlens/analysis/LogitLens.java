package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Weights;
import jlens.model.NonFiniteException;

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

    /**
     * The lens's arguments checked before the text is run: a position in a text of {@code t} tokens (negative counts
     * from the end) that has a real next token unless a {@code target} is given, a target in the vocabulary, and the
     * table's positions {@code from..to} within the text. Returns the position, resolved.
     */
    public static int checkArguments(int t, long vocab, int position, long target, int from, int to) {
        if (from < 0 || to >= t || from > to) {
            throw new IllegalArgumentException("the lens table's positions " + from + ".." + to + " are not within 0.." + (t - 1));
        }
        int p = Checks.position(position, t);
        if (target < 0 && p + 1 >= t) {
            throw new IllegalArgumentException("position " + p + " is the last token, so there is no real next token to follow; "
                    + "give a target token (lens -1 \" Paris\") or use an earlier position");
        }
        if (target >= vocab) {
            throw new IllegalArgumentException("token id " + target + " is outside the vocabulary 0.." + (vocab - 1));
        }
        return p;
    }

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
        return compute(model, ids, position, target, 0, ids.length - 1);
    }

    /** As {@link #compute(Gpt2, long[], int, long)}, with the top-token table at positions {@code from..to} only. */
    public static LogitLensResult compute(Gpt2 model, long[] ids, int position, long target, int from, int to) {
        int p = Checks.position(position, ids.length);
        long tgt = target >= 0 ? target : nextToken(ids, p); // refused before the pass, not after it
        // The lens reads positions up to p and the table's last one, which (the model being causal) do not depend
        // on later tokens: those are not run. Only p's logits are made, for the check: the lens's own last row is
        // the model's prediction wherever the table asks.
        int end = Math.max(p, Math.min(to, ids.length - 1)) + 1;
        try (Gpt2.Run run = model.run(java.util.Arrays.copyOf(ids, end), hooks(model.config().nLayer()), p)) {
            return compute(run.cache(), modelRow(run.logits(), 0), model, ids, p, tgt, from, to);
        }
    }

    /** The whole read-out: the top-token table at every position. */
    public static LogitLensResult compute(ActivationCache cache, NDArray logits, Gpt2 model, long[] ids, int position,
                                          long target) {
        return compute(cache, logits, model, ids, position, target, 0, ids.length - 1);
    }

    /**
     * @param cache a pass holding {@link #hooks}
     * @param logits that pass's logits {@code [1, T, V]}, for the check that the last row is the model's prediction
     * @param ids the pass's token ids
     * @param position the read-out position (negative counts from the end; -2 predicts the last token)
     * @param target the token whose log-prob and rank are followed; -1 for the real next token
     * @param from the first position of the top-token table (0-based)
     * @param to its last position: the table costs (L+1) unembedding rows per position, about three forward
     *     passes for every position of a 30-token text, so a screen's worth is computed unless all are asked for
     */
    public static LogitLensResult compute(ActivationCache cache, NDArray logits, Gpt2 model, long[] ids, int position,
                                          long target, int from, int to) {
        Tensors.requireSingleSequence(logits, 3, "logits");
        if (logits.getShape().get(1) != ids.length) {
            throw new IllegalArgumentException(ids.length + " token ids given for logits of " + logits.getShape().get(1) + " positions");
        }
        int p = Checks.position(position, ids.length);
        return compute(cache, modelRow(logits, p), model, ids, p, target, from, to);
    }

    /** The model's logits {@code [V]} at position {@code p} of {@code logits} {@code [1, T, V]}. */
    private static float[] modelRow(NDArray logits, int p) {
        try (NDArray r = logits.get(0, p)) { // [V]
            return Tensors.floats(r);
        }
    }

    /** The lens at position {@code p} (0-based), checked against the model's own logits there ({@code modelAtP} {@code [V]}). */
    private static LogitLensResult compute(ActivationCache cache, float[] modelAtP, Gpt2 model, long[] ids, int p,
                                           long target, int from, int to) {
        int nLayer = model.config().nLayer();
        int t = ids.length;
        int v = modelAtP.length;
        long ran = cache.get(hooks(nLayer).get(0)).getShape().get(1); // positions the pass ran: t, or up to p and to
        if (from < 0 || to >= t || from > to) {
            throw new IllegalArgumentException("the top-token table's positions " + from + ".." + to + " are not within 0.." + (t - 1));
        }
        if (ran <= Math.max(p, to)) {
            throw new IllegalArgumentException("the pass ran " + ran + " positions, not up to " + Math.max(p, to));
        }
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
        for (int r = 0; r < n; r++) {
            java.util.Arrays.fill(table[r], -1); // outside from..to: not computed
            java.util.Arrays.fill(margins[r], Double.NaN);
        }
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
            requireFinite(ln, rows, Math.min(p, from), Math.max(p, to), ids); // no top token is picked from a NaN row
            Gpt2Weights w = model.weights();

            // One product for the read-out position's rows (first) and the table's other positions, slice by
            // slice: the read-out rows come back whole, for log-probs and ranks in double; the others give only
            // their top token and its margin over the runner-up.
            List<int[]> cells = new ArrayList<>(); // (row, position)
            for (int r = 0; r < n; r++) {
                cells.add(new int[] {r, p});
            }
            for (int r = 0; r < n; r++) {
                for (int q = from; q <= to; q++) {
                    if (q != p) {
                        cells.add(new int[] {r, q});
                    }
                }
            }
            NDArray flat = ln.reshape(n * ran, -1); // [(L+1)*T, C]
            float[] atP = null; // [L+1, V]
            int slice = Math.max(ROWS_PER_SLICE, n);
            for (int first = 0; first < cells.size(); first += slice) {
                List<int[]> some = cells.subList(first, Math.min(cells.size(), first + slice));
                long[] index = some.stream().mapToLong(c -> c[0] * ran + c[1]).toArray();
                try (NDManager sliceScope = scope.newSubManager()) {
                    NDArray rowsOf = sliceScope.create(index); // [b]
                    NDArray picked = flat.get(new ai.djl.ndarray.index.NDIndex("{}", rowsOf)); // [b, C]
                    picked.attach(sliceScope);
                    NDArray sliceLogits = w.unembedProduct(picked); // [b, V]
                    if (first == 0) {
                        atP = Tensors.floats(sliceLogits.get("0:{}", n)); // [L+1, V]
                    }
                    if (some.size() > (first == 0 ? n : 0)) {
                        long[] best = sliceLogits.argMax(1).toLongArray(); // [b], first maximum: the lowest id on ties
                        float[] two = Tensors.floats(sliceLogits.topK(2, 1, true, true).get(0)); // [b, 2] values
                        for (int i = first == 0 ? n : 0; i < best.length; i++) {
                            int[] c = some.get(i);
                            table[c[0]][c[1]] = (int) best[i];
                            margins[c[0]][c[1]] = (double) two[2 * i] - two[2 * i + 1];
                        }
                    }
                }
            }

            NonFiniteException.requireFinite(atP, "the logit lens's logits at position " + p, "its log-probs and ranks are"
                    + " undefined", ids);
            NonFiniteException.requireFinite(modelAtP, "the model's logits at position " + p, "the lens has nothing to be checked"
                    + " against", ids);
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
                float second = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < v; i++) {
                    if (i != best && row[i] > second) {
                        second = row[i];
                    }
                }
                logprob[r] = tl - lse;
                rank[r] = higher + 1; // 1: the most likely token, as logprobs counts
                top1[r] = best;
                top1Logprob[r] = row[best] - lse;
                if (p >= from && p <= to) { // the table's column at p is this read-out
                    table[r][p] = best;
                    margins[r][p] = (double) row[best] - second;
                }
            }
            finalDiff = maxAbsLogprobDiff(row, modelAtP);
        }
        return new LogitLensResult(p, tgt, rows, logprob, rank, top1, top1Logprob, from, to, table, margins, finalDiff);
    }

    /** Refuses rows of {@code ln} {@code [L+1, T, C]} at positions {@code lo..hi} that hold a NaN or an infinity, naming the first. */
    private static void requireFinite(NDArray ln, List<String> rows, int lo, int hi, long[] ids) {
        try (NDManager check = ln.getManager().newSubManager()) {
            NDArray used = ln.get(":, {}:{}, :", lo, hi + 1); // [L+1, W, C]
            used.attach(check);
            NDArray bad = used.isNaN().logicalOr(used.isInfinite()).toType(DataType.FLOAT32, false).sum(new int[] {2}); // [L+1, W]
            bad.attach(check);
            float[] count = bad.toFloatArray();
            int w = hi - lo + 1;
            for (int i = 0; i < count.length; i++) {
                if (count[i] > 0) {
                    int r = i / w;
                    int q = lo + i % w;
                    NonFiniteException.requireFinite(Tensors.floats(used.get(r, q - lo)), "the logit lens's " + rows.get(r)
                            + " at position " + q + " after the final LayerNorm", "its top tokens, log-probs and ranks are"
                            + " undefined", ids);
                }
            }
        }
    }

    private static long nextToken(long[] ids, int p) {
        if (p + 1 >= ids.length) {
            throw new IllegalArgumentException("position " + p + " is the last token, so there is no real next token to follow; "
                    + "give a target token or use an earlier position");
        }
        return ids[p + 1];
    }

    /** Largest |lens last row's log-prob - the model's log-prob| over the vocabulary. */
    private static double maxAbsLogprobDiff(float[] lastRow, float[] model) {
        int v = model.length;
        double lseLens = Metric.logSumExp(lastRow);
        double lseModel = Metric.logSumExp(model);
        double max = 0;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, Math.abs((lastRow[i] - lseLens) - (model[i] - lseModel)));
        }
        return max;
    }
}
