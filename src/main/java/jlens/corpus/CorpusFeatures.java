package jlens.corpus;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import jlens.analysis.NdData;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * {@code corpus features}: for each feature of a {@link FeatureFunction}, how often it fires (value above 0) over the
 * corpus's tokens, its mean value when it fires, and its top {@code k} contexts: a bounded heap per feature that
 * merges exactly, since entries are ordered totally (value, then group, window, position) and each batch offers
 * every value at or above its own k-th (ties included), so no entry of the overall top k is ever left out.
 *
 * @param function the features
 * @param k contexts kept per feature
 * @param before tokens of context kept before the token
 * @param after tokens kept after it
 */
public record CorpusFeatures(FeatureFunction function, int k, int before, int after) implements CorpusReduction<CorpusFeatures.Sums> {
    public CorpusFeatures {
        if (k < 1 || k > 1000) {
            throw new IllegalArgumentException("k must be 1..1000, not " + k);
        }
        if (before < 0 || after < 0 || before + after > 256) {
            throw new IllegalArgumentException("the context is 0..256 tokens around the token");
        }
    }

    public static CorpusFeatures of(FeatureFunction f) {
        return new CorpusFeatures(f, 10, 12, 3);
    }

    @Override
    public String task() {
        return "features";
    }

    /**
     * One context: the feature's value on token {@code position} of window {@code index} of group {@code group}, and
     * the tokens around it ({@code context}, the token itself at {@code at}).
     */
    public record Context(double value, long group, int window, int position, long[] context, int at) implements Serializable {
        static final Comparator<Context> ORDER = Comparator.comparingDouble(Context::value).reversed()
                .thenComparingLong(Context::group).thenComparingInt(Context::window).thenComparingInt(Context::position);
    }

    /**
     * Per feature: firings, the sum of its value where it fired, and its top contexts (best first).
     *
     * @param describe what the features are
     * @param features F
     * @param k contexts kept per feature
     * @param tokens tokens seen
     * @param fires per feature, tokens where it fired
     * @param active per feature, the sum of its value where it fired
     * @param top per feature, its best contexts, at most k, best first
     */
    public record Sums(String describe, int features, int k, long tokens, long[] fires, double[] active, List<List<Context>> top)
            implements CorpusSums<Sums> {
        @Override
        public Sums plus(Sums o) {
            if (features != o.features || k != o.k || !describe.equals(o.describe)) {
                throw new IllegalArgumentException("cannot add feature sums of " + o.describe + " to " + describe);
            }
            List<List<Context>> merged = new ArrayList<>(features);
            for (int f = 0; f < features; f++) {
                merged.add(merge(top.get(f), o.top.get(f), k));
            }
            return new Sums(describe, features, k, tokens + o.tokens, CorpusArrays.add(fires, o.fires), CorpusArrays.add(active, o.active),
                    merged);
        }

        void check() {
            if (features < 1 || k < 1 || fires.length != features || active.length != features || top.size() != features || tokens < 0
                    || top.stream().anyMatch(t -> t == null || t.size() > k || t.stream().anyMatch(c -> c == null || c.context() == null
                    || c.at() < 0 || c.at() >= c.context().length))) {
                throw new IllegalArgumentException("feature sums that do not fill " + features + " features");
            }
        }
    }

    /** The best {@code k} of two lists each best first. */
    static List<Context> merge(List<Context> a, List<Context> b, int k) {
        if (b.isEmpty()) {
            return a;
        }
        if (a.isEmpty()) {
            return b;
        }
        List<Context> out = new ArrayList<>(Math.min(k, a.size() + b.size()));
        int i = 0;
        int j = 0;
        while (out.size() < k && (i < a.size() || j < b.size())) {
            if (j >= b.size() || i < a.size() && Context.ORDER.compare(a.get(i), b.get(j)) <= 0) {
                out.add(a.get(i++));
            } else {
                out.add(b.get(j++));
            }
        }
        return out;
    }

    @Override
    public Sums empty(Gpt2Config c) {
        int f = function.features(c);
        List<List<Context>> top = new ArrayList<>(f);
        for (int i = 0; i < f; i++) {
            top.add(List.of());
        }
        return new Sums(function.describe(), f, k, 0, new long[f], new double[f], top);
    }

    @Override
    public Pass<Sums> pass(Gpt2 model, List<Window> batch, Hooks.Scope scope) {
        Sums[] got = new Sums[1];
        Sums empty = empty(model.config());
        scope.add(function.hook(), (name, a) -> {
            got[0] = batchSums(empty, a, batch);
            return null;
        });
        return residual -> {
            if (got[0] == null) {
                throw new IllegalStateException("the pass never reached " + function.hook());
            }
            return got[0];
        };
    }

    private Sums batchSums(Sums empty, NDArray activation, List<Window> batch) {
        long[] s = activation.getShape().getShape();
        int t = (int) s[1];
        int n = (int) (s[0] * s[1]);
        int f = empty.features();
        try (NDManager m = activation.getManager().newSubManager()) {
            NDArray x = CorpusArrays.in(activation, m); // [B, T, ...]
            NDArray acts = function.apply(x).toType(DataType.FLOAT32, false); // [N, F]
            if (acts.getShape().get(0) != n || acts.getShape().get(1) != f) {
                throw new IllegalStateException(function.describe() + " gave " + acts.getShape() + " for " + n + " tokens, not [" + n + ", " + f + "]");
            }
            NDArray firing = acts.gt(0f); // [N, F]
            long[] fires = firing.sum(new int[] {0}).toType(DataType.INT64, false).toLongArray(); // [F]
            double[] active = acts.mul(firing.toType(DataType.FLOAT32, false)).toType(DataType.FLOAT64, false)
                    .sum(new int[] {0}).toDoubleArray(); // [F]
            int kk = Math.min(k, n);
            NDArray kth = acts.topK(kk, 0, true, true).get(0).get(kk - 1); // [F], each feature's k-th largest here
            NDArray keep = acts.gte(kth.expandDims(0)).logicalAnd(firing); // [N, F]
            long[] where = keep.nonzero().toLongArray(); // [M, 2] (token, feature), row-major
            float[] values = CorpusArrays.floats(acts.booleanMask(keep)); // [M], the same order
            List<List<Context>> offered = new ArrayList<>(f);
            for (int i = 0; i < f; i++) {
                offered.add(new ArrayList<>());
            }
            for (int i = 0; i < values.length; i++) {
                int token = (int) where[2 * i];
                int feature = (int) where[2 * i + 1];
                Window w = batch.get(token / t);
                int p = token % t;
                int from = Math.max(0, p - before);
                int to = Math.min(t, p + after + 1);
                long[] context = Arrays.copyOfRange(w.ids(), from, to);
                offered.get(feature).add(new Context(values[i], w.group(), w.index(), p, context, p - from));
            }
            List<List<Context>> top = new ArrayList<>(f);
            for (List<Context> o : offered) {
                o.sort(Context.ORDER);
                top.add(o.size() > k ? List.copyOf(o.subList(0, k)) : List.copyOf(o));
            }
            return new Sums(empty.describe(), f, k, n, fires, active, top);
        }
    }

    @Override
    public CorpusResult result(CorpusInfo info, Sums sums) {
        return new Result(info, sums);
    }

    /** Each feature's firing frequency, mean value when it fires, and top contexts. */
    public record Result(CorpusInfo info, Sums sums) implements CorpusResult {
        /** Per feature, the share of tokens where it fired. */
        public double[] frequency() {
            double[] out = new double[sums.features()];
            for (int i = 0; i < out.length; i++) {
                out[i] = sums.tokens() == 0 ? Double.NaN : (double) sums.fires()[i] / sums.tokens();
            }
            return out;
        }

        /** Per feature, its mean value where it fired (NaN where it never did). */
        public double[] meanActive() {
            double[] out = new double[sums.features()];
            for (int i = 0; i < out.length; i++) {
                out[i] = sums.fires()[i] == 0 ? Double.NaN : sums.active()[i] / sums.fires()[i];
            }
            return out;
        }

        @Override
        public List<String> columns() {
            return List.of("feature", "fires", "frequency", "mean_when_firing", "top_value");
        }

        @Override
        public int rowCount() {
            return sums.features();
        }

        @Override
        public Object[] row(int i) {
            List<Context> t = sums.top().get(i);
            return new Object[] {i, sums.fires()[i], frequency()[i], meanActive()[i], t.isEmpty() ? Double.NaN : t.get(0).value()};
        }

        /** {@code [F, 2]}: frequency, mean value when firing. */
        @Override
        public NdData array() {
            double[] flat = new double[sums.features() * 2];
            double[] fr = frequency();
            double[] ma = meanActive();
            for (int i = 0; i < sums.features(); i++) {
                flat[2 * i] = fr[i];
                flat[2 * i + 1] = ma[i];
            }
            return NdData.of(new long[] {sums.features(), 2}, flat);
        }

        @Override
        public String undefinedNote() {
            long dead = Arrays.stream(sums.fires()).filter(x -> x == 0).count();
            return dead == 0 ? "" : dead + " features never fired (their mean value when firing is nan)";
        }
    }
}
