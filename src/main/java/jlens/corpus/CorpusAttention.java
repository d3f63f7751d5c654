package jlens.corpus;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import jlens.analysis.NdData;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * {@code corpus attention}: per head, over every query of every window but the first (whose only key is itself),
 * the mean attention to the window's first token ({@code pattern[q, 0]}), to the previous token
 * ({@code pattern[q, q-1]}), and the mean entropy of the query's pattern ({@code -sum_k p log p}, in nats; 0 log 0 = 0).
 */
public record CorpusAttention() implements CorpusReduction<CorpusAttention.Sums> {
    @Override
    public String task() {
        return "attention";
    }

    /**
     * Sums over queries, {@code [L * NH]} row-major by layer.
     *
     * @param queries queries summed (every head saw the same)
     */
    public record Sums(int nLayer, int nHead, long queries, double[] first, double[] previous, double[] entropy)
            implements CorpusSums<Sums> {
        @Override
        public Sums plus(Sums o) {
            if (nLayer != o.nLayer || nHead != o.nHead) {
                throw new IllegalArgumentException("cannot add attention sums of " + o.nLayer + " x " + o.nHead + " heads to "
                        + nLayer + " x " + nHead);
            }
            return new Sums(nLayer, nHead, queries + o.queries, CorpusArrays.add(first, o.first),
                    CorpusArrays.add(previous, o.previous), CorpusArrays.add(entropy, o.entropy));
        }

        void check() {
            int n = nLayer * nHead;
            if (nLayer < 1 || nHead < 1 || first.length != n || previous.length != n || entropy.length != n || queries < 0) {
                throw new IllegalArgumentException("attention sums that do not fill " + nLayer + " x " + nHead + " heads");
            }
        }
    }

    @Override
    public Sums empty(Gpt2Config c) {
        int n = c.nLayer() * c.nHead();
        return new Sums(c.nLayer(), c.nHead(), 0, new double[n], new double[n], new double[n]);
    }

    @Override
    public Pass<Sums> pass(Gpt2 model, List<Window> batch, Hooks.Scope scope) {
        Sums sums = empty(model.config());
        int nHead = model.config().nHead();
        long[] queries = new long[1];
        for (int l = 0; l < model.config().nLayer(); l++) {
            int layer = l;
            scope.add(HookPoint.block(l, HookPoint.PATTERN), (name, a) -> {
                queries[0] = layer(a, layer, nHead, sums);
                return null;
            });
        }
        return residual -> new Sums(sums.nLayer(), sums.nHead(), queries[0], sums.first(), sums.previous(), sums.entropy());
    }

    /** Adds one layer's pattern {@code [B, NH, T, T]} into {@code into}; the queries counted. */
    private static long layer(NDArray pattern, int layer, int nHead, Sums into) {
        long[] s = pattern.getShape().getShape();
        int b = (int) s[0];
        int t = (int) s[2];
        try (NDManager m = pattern.getManager().newSubManager()) {
            NDArray p = CorpusArrays.in(pattern, m);
            float[] first = CorpusArrays.floats(p.get(new NDIndex(":, :, 1:, 0"))); // [B, NH, T-1]
            long[] diagonal = new long[t - 1];
            for (int q = 1; q < t; q++) {
                diagonal[q - 1] = (long) q * t + (q - 1);
            }
            NDArray flat = p.reshape(b, nHead, (long) t * t); // [B, NH, T*T]
            float[] previous = CorpusArrays.floats(flat.get(new NDIndex(":, :, {}", m.create(diagonal)))); // [B, NH, T-1]
            NDArray logp = p.log().maximum(-1e4f); // log 0 = -inf, and 0 * -inf would be NaN
            float[] entropy = CorpusArrays.floats(p.mul(logp).sum(new int[] {3}).neg().get(new NDIndex(":, :, 1:"))); // [B, NH, T-1]
            for (int w = 0; w < b; w++) {
                for (int h = 0; h < nHead; h++) {
                    int cell = layer * nHead + h;
                    int base = (w * nHead + h) * (t - 1);
                    double f = 0;
                    double pv = 0;
                    double e = 0;
                    for (int q = 0; q < t - 1; q++) {
                        f += first[base + q];
                        pv += previous[base + q];
                        e += entropy[base + q];
                    }
                    into.first()[cell] += f;
                    into.previous()[cell] += pv;
                    into.entropy()[cell] += e;
                }
            }
        }
        return (long) b * (t - 1);
    }

    @Override
    public CorpusResult result(CorpusInfo info, Sums sums) {
        return new Result(info, sums);
    }

    /** The means per head, and what they were computed from. */
    public record Result(CorpusInfo info, Sums sums) implements CorpusResult {
        /** Mean attention to the first token, {@code [L][NH]}. */
        public double[][] first() {
            return mean(sums.first());
        }

        /** Mean attention to the previous token, {@code [L][NH]}. */
        public double[][] previous() {
            return mean(sums.previous());
        }

        /** Mean pattern entropy in nats, {@code [L][NH]}. */
        public double[][] entropy() {
            return mean(sums.entropy());
        }

        private double[][] mean(double[] s) {
            double[][] out = new double[sums.nLayer()][sums.nHead()];
            for (int l = 0; l < out.length; l++) {
                for (int h = 0; h < out[l].length; h++) {
                    out[l][h] = sums.queries() == 0 ? Double.NaN : s[l * sums.nHead() + h] / sums.queries();
                }
            }
            return out;
        }

        @Override
        public List<String> columns() {
            return List.of("layer", "head", "first_token", "previous_token", "entropy");
        }

        @Override
        public int rowCount() {
            return sums.nLayer() * sums.nHead();
        }

        @Override
        public Object[] row(int i) {
            int l = i / sums.nHead();
            int h = i % sums.nHead();
            return new Object[] {l, h, first()[l][h], previous()[l][h], entropy()[l][h]};
        }

        /** {@code [3, L, NH]}: first-token, previous-token, entropy. */
        @Override
        public NdData array() {
            int n = sums.nLayer() * sums.nHead();
            double[] flat = new double[3 * n];
            double[][][] parts = {first(), previous(), entropy()};
            for (int k = 0; k < 3; k++) {
                for (int l = 0; l < sums.nLayer(); l++) {
                    System.arraycopy(parts[k][l], 0, flat, k * n + l * sums.nHead(), sums.nHead());
                }
            }
            return NdData.of(new long[] {3, sums.nLayer(), sums.nHead()}, flat);
        }
    }
}
