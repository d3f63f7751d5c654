package jlens.corpus;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import jlens.analysis.LogitLens;
import jlens.analysis.NdData;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * {@code corpus lens}: the logit lens ({@link LogitLens}: each layer's {@code resid_pre}, and the final residual,
 * through the full final LayerNorm and the unembedding) at every position of every window that has a next token: per
 * row, how often its top token is the model's own top token (the final row's), and the mean log-prob it gives the
 * window's real next token. The last row is the model itself (agreement 1; its log-prob is minus the loss).
 */
public record CorpusLens() implements CorpusReduction<CorpusLens.Sums> {
    /** Rows per unembedding product: bounds the {@code [rows, V]} logits (100 MB for GPT-2's vocabulary). */
    static final int ROWS_PER_SLICE = 512;

    @Override
    public String task() {
        return "lens";
    }

    /**
     * Sums per lens row ({@code resid_pre} of each layer, then the final residual).
     *
     * @param rows the lens's rows, L + 1
     * @param positions positions summed (each row saw the same)
     * @param agree positions whose top token is the final row's
     * @param logprob sum of the real next token's log-prob
     */
    public record Sums(int rows, long positions, long[] agree, double[] logprob) implements CorpusSums<Sums> {
        @Override
        public Sums plus(Sums o) {
            if (rows != o.rows) {
                throw new IllegalArgumentException("cannot add lens sums of " + o.rows + " rows to " + rows);
            }
            return new Sums(rows, positions + o.positions, CorpusArrays.add(agree, o.agree), CorpusArrays.add(logprob, o.logprob));
        }

        void check() {
            if (rows < 2 || agree.length != rows || logprob.length != rows || positions < 0) {
                throw new IllegalArgumentException("lens sums that do not fill " + rows + " rows");
            }
        }
    }

    @Override
    public Sums empty(Gpt2Config c) {
        return new Sums(c.nLayer() + 1, 0, new long[c.nLayer() + 1], new double[c.nLayer() + 1]);
    }

    @Override
    public Pass<Sums> pass(Gpt2 model, List<Window> batch, Hooks.Scope scope) {
        int nLayer = model.config().nLayer();
        int b = batch.size();
        int t = batch.get(0).length();
        long[] targets = new long[b * t]; // the real next token; position T-1 has none (its entry is unused)
        for (int w = 0; w < b; w++) {
            for (int p = 0; p + 1 < t; p++) {
                targets[w * t + p] = batch.get(w).id(p + 1);
            }
        }
        long[][] top = new long[nLayer + 1][];
        float[][] logprob = new float[nLayer + 1][];
        for (int l = 0; l < nLayer; l++) {
            int row = l;
            scope.add(HookPoint.block(l, HookPoint.RESID_PRE), (name, x) -> {
                read(model, x, targets, row, top, logprob);
                return null;
            });
        }
        return residual -> {
            read(model, residual, targets, nLayer, top, logprob);
            Sums s = empty(model.config());
            for (int r = 0; r <= nLayer; r++) {
                for (int w = 0; w < b; w++) {
                    for (int p = 0; p + 1 < t; p++) {
                        int i = w * t + p;
                        s.agree()[r] += top[r][i] == top[nLayer][i] ? 1 : 0;
                        s.logprob()[r] += logprob[r][i];
                    }
                }
            }
            return new Sums(s.rows(), (long) b * (t - 1), s.agree(), s.logprob());
        };
    }

    /** The lens on {@code x} {@code [B, T, C]}: each position's top token and the log-prob of its next token. */
    private static void read(Gpt2 model, NDArray x, long[] targets, int row, long[][] top, float[][] logprob) {
        long[] s = x.getShape().getShape();
        int n = (int) (s[0] * s[1]);
        top[row] = new long[n];
        logprob[row] = new float[n];
        try (NDManager m = x.getManager().newSubManager()) {
            NDArray flat = CorpusArrays.in(x, m).reshape(n, s[2]); // [B*T, C]
            NDArray ln = model.weights().finalNorm(flat, (float) model.config().layerNormEps()); // [B*T, C]
            for (int from = 0; from < n; from += ROWS_PER_SLICE) {
                int to = Math.min(n, from + ROWS_PER_SLICE);
                try (NDManager slice = m.newSubManager()) {
                    NDArray rows = CorpusArrays.in(ln.get(new NDIndex("{}:{}", from, to)), slice); // [b, C]
                    NDArray logits = model.weights().unembedProduct(rows).toType(DataType.FLOAT32, false); // [b, V]
                    long v = logits.getShape().get(1);
                    NDArray lsm = logits.logSoftmax(1); // [b, V]
                    long[] best = logits.argMax(1).toLongArray(); // [b], the first maximum
                    long[] at = new long[to - from];
                    for (int i = 0; i < at.length; i++) {
                        at[i] = i * v + targets[from + i];
                    }
                    float[] lp = CorpusArrays.floats(lsm.reshape(-1).get(new NDIndex("{}", slice.create(at)))); // [b]
                    System.arraycopy(best, 0, top[row], from, best.length);
                    System.arraycopy(lp, 0, logprob[row], from, lp.length);
                }
            }
        }
    }

    @Override
    public CorpusResult result(CorpusInfo info, Sums sums) {
        return new Result(info, sums);
    }

    /** Per lens row, agreement with the final top token and the real next token's mean log-prob. */
    public record Result(CorpusInfo info, Sums sums) implements CorpusResult {
        /** The rows' names: {@code blocks.L.hook_resid_pre}..., then the last block's {@code hook_resid_post}. */
        public List<String> rowNames() {
            return LogitLens.hooks(sums.rows() - 1);
        }

        /** Per row, the share of positions whose top token is the model's. */
        public double[] agreement() {
            double[] out = new double[sums.rows()];
            for (int r = 0; r < out.length; r++) {
                out[r] = sums.positions() == 0 ? Double.NaN : (double) sums.agree()[r] / sums.positions();
            }
            return out;
        }

        /** Per row, the mean log-prob of the real next token. */
        public double[] meanLogprob() {
            double[] out = new double[sums.rows()];
            for (int r = 0; r < out.length; r++) {
                out[r] = sums.positions() == 0 ? Double.NaN : sums.logprob()[r] / sums.positions();
            }
            return out;
        }

        @Override
        public List<String> columns() {
            return List.of("row", "hook", "agreement", "mean_logprob", "positions");
        }

        @Override
        public int rowCount() {
            return sums.rows();
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {i, rowNames().get(i), agreement()[i], meanLogprob()[i], sums.positions()};
        }

        /** {@code [L+1, 2]}: agreement, mean log-prob. */
        @Override
        public NdData array() {
            double[] flat = new double[sums.rows() * 2];
            double[] a = agreement();
            double[] lp = meanLogprob();
            for (int r = 0; r < sums.rows(); r++) {
                flat[2 * r] = a[r];
                flat[2 * r + 1] = lp[r];
            }
            return NdData.of(new long[] {sums.rows(), 2}, flat);
        }
    }
}
