package jlens.corpus;

import ai.djl.ndarray.NDArray;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jlens.analysis.NdData;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.Cells;
import jlens.intervene.Intervention;
import jlens.intervene.Value;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * {@code corpus stats}: the mean, variance and histogram of chosen activations over every token of a corpus (the
 * demos' Q/K/V statistics of one sentence, over a corpus). Per hook point it keeps, in float64, each element's mean
 * and sum of squared deviations over the tokens, the same over all its values, and counts in fixed bins (fixed
 * before the first token, so the counts of parts add up). Means and squared deviations merge by Chan, Golub and
 * LeVeque's parallel formula, {@code M2 = M2_a + M2_b + d^2 n_a n_b / n} with {@code d = mean_b - mean_a}.
 *
 * @param hooks exact hook names, laid out {@code [B, T, ...]}
 * @param lo the histogram's lower edge
 * @param hi its upper edge
 * @param bins its bins
 */
public record CorpusStats(List<String> hooks, double lo, double hi, int bins) implements CorpusReduction<CorpusStats.Sums> {
    /** The notebook's histogram edges. */
    public static final double LO = -5;
    public static final double HI = 5;
    public static final int BINS = 100;

    public CorpusStats {
        hooks = List.copyOf(hooks);
        if (hooks.isEmpty()) {
            throw new IllegalArgumentException("give at least one hook point");
        }
        for (String h : hooks) {
            if (!HookPoint.batchThenPosition(h)) {
                throw new IllegalArgumentException(h + " is [B, NH, T, T]: per-token statistics are of points laid out [B, T, ...];"
                        + " 'corpus attention' summarises patterns");
            }
            if (h.equals(HookPoint.LOGITS)) {
                throw new IllegalArgumentException("the logits are a vocabulary wide; 'corpus lens' reads them");
            }
        }
        if (!(hi > lo) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException("the histogram needs finite LO < HI, not " + lo + " " + hi);
        }
        if (bins < 1 || bins > 10_000) {
            throw new IllegalArgumentException("bins must be 1..10000, not " + bins);
        }
    }

    /** Q, K and V of every layer: the demos' statistics. */
    public static List<String> qkv(int nLayer) {
        List<String> out = new ArrayList<>();
        for (String point : List.of(HookPoint.Q, HookPoint.K, HookPoint.V)) {
            for (int l = 0; l < nLayer; l++) {
                out.add(HookPoint.block(l, point));
            }
        }
        return out;
    }

    @Override
    public String task() {
        return "stats";
    }

    /** A count, mean and sum of squared deviations from it; {@link #plus} is Chan et al.'s merge. */
    public record Moments(long count, double mean, double m2) implements Serializable {
        public static final Moments EMPTY = new Moments(0, 0, 0);

        public Moments plus(Moments o) {
            if (o.count == 0) {
                return this;
            }
            if (count == 0) {
                return o;
            }
            long n = count + o.count;
            double d = o.mean - mean;
            return new Moments(n, mean + d * o.count / n, m2 + o.m2 + d * d * ((double) count * o.count / n));
        }

        /** The unbiased variance (n - 1), NaN below two values. */
        public double variance() {
            return count < 2 ? Double.NaN : m2 / (count - 1);
        }
    }

    /**
     * One hook point's sums.
     *
     * @param hook exact name
     * @param shape one token's shape ({@code [NH, HS]}, {@code [C]})
     * @param tokens tokens summed
     * @param mean each element's mean over the tokens
     * @param m2 each element's sum of squared deviations from its mean
     * @param all every value of every token
     * @param histogram counts of finite values in each bin on {@code [lo, hi]} (the last bin closed)
     * @param below values under {@code lo} (-inf included)
     * @param above values over {@code hi} (+inf included)
     * @param nan NaN values (in no bin)
     */
    public record HookSums(String hook, long[] shape, long tokens, double[] mean, double[] m2, Moments all, long[] histogram,
                           long below, long above, long nan) implements Serializable {
        public HookSums plus(HookSums o) {
            if (!hook.equals(o.hook) || !Arrays.equals(shape, o.shape) || histogram.length != o.histogram.length) {
                throw new IllegalArgumentException("cannot add sums of " + o.hook + " " + Arrays.toString(o.shape) + " to sums of "
                        + hook + " " + Arrays.toString(shape));
            }
            if (o.tokens == 0) {
                return this;
            }
            if (tokens == 0) {
                return o;
            }
            long n = tokens + o.tokens;
            double[] m = new double[mean.length];
            double[] s = new double[mean.length];
            double cross = (double) tokens * o.tokens / n;
            for (int i = 0; i < m.length; i++) {
                double d = o.mean[i] - mean[i];
                m[i] = mean[i] + d * o.tokens / n;
                s[i] = m2[i] + o.m2[i] + d * d * cross;
            }
            return new HookSums(hook, shape, n, m, s, all.plus(o.all), CorpusArrays.add(histogram, o.histogram), below + o.below,
                    above + o.above, nan + o.nan);
        }

        /** Each element's unbiased variance over the tokens. */
        public double[] variance() {
            double[] out = new double[m2.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = tokens < 2 ? Double.NaN : m2[i] / (tokens - 1);
            }
            return out;
        }

        void check(int bins) {
            long w = CorpusArrays.width(shape, 0);
            if (tokens < 0 || mean.length != w || m2.length != w || histogram.length != bins || all == null) {
                throw new IllegalArgumentException("the sums of " + hook + " do not fit its shape " + Arrays.toString(shape));
            }
        }
    }

    /** Every hook point's sums, on one histogram's edges. */
    public record Sums(double lo, double hi, int bins, List<HookSums> hooks) implements CorpusSums<Sums> {
        @Override
        public Sums plus(Sums o) {
            if (lo != o.lo || hi != o.hi || bins != o.bins || hooks.size() != o.hooks.size()) {
                throw new IllegalArgumentException("cannot add statistics of other hooks or histogram edges");
            }
            List<HookSums> out = new ArrayList<>();
            for (int i = 0; i < hooks.size(); i++) {
                out.add(hooks.get(i).plus(o.hooks.get(i)));
            }
            return new Sums(lo, hi, bins, out);
        }

        public long tokens() {
            return hooks.isEmpty() ? 0 : hooks.get(0).tokens();
        }

        void check() {
            if (hooks == null || bins < 1 || !(hi > lo)) {
                throw new IllegalArgumentException("statistics without hooks or histogram edges");
            }
            hooks.forEach(h -> h.check(bins));
        }
    }

    @Override
    public Sums empty(Gpt2Config c) {
        List<HookSums> out = new ArrayList<>();
        for (String h : hooks) {
            long[] full = HookPoint.shape(h, 1, 1, c.nHead(), c.nEmbd(), c.vocabSize());
            long[] shape = Arrays.copyOfRange(full, 2, full.length);
            int w = (int) CorpusArrays.width(shape, 0);
            out.add(new HookSums(h, shape, 0, new double[w], new double[w], Moments.EMPTY, new long[bins], 0, 0, 0));
        }
        return new Sums(lo, hi, bins, out);
    }

    @Override
    public Pass<Sums> pass(Gpt2 model, List<Window> batch, Hooks.Scope scope) {
        Sums empty = empty(model.config());
        HookSums[] got = new HookSums[hooks.size()];
        for (int i = 0; i < hooks.size(); i++) {
            int at = i;
            HookSums e = empty.hooks().get(i);
            scope.add(hooks.get(i), (name, a) -> {
                got[at] = batchSums(e, a);
                return null;
            });
        }
        return residual -> {
            List<HookSums> out = new ArrayList<>();
            for (int i = 0; i < got.length; i++) {
                if (got[i] == null) {
                    throw new IllegalStateException("the pass never reached " + hooks.get(i));
                }
                out.add(got[i]);
            }
            return new Sums(lo, hi, bins, out);
        };
    }

    /** One batch's sums of {@code a} {@code [B, T, shape...]}: two passes over the values, in float64. */
    private HookSums batchSums(HookSums empty, NDArray a) {
        long[] s = a.getShape().getShape();
        int w = (int) CorpusArrays.width(s, 2);
        if (w != empty.mean().length) {
            throw new IllegalStateException(empty.hook() + " gave " + a.getShape() + ", not [B, T, " + Arrays.toString(empty.shape()) + "]");
        }
        float[] x = CorpusArrays.floats(a);
        int n = x.length / w;
        double[] mean = new double[w];
        double total = 0;
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < w; i++) {
                mean[i] += x[r * w + i];
            }
        }
        for (int i = 0; i < w; i++) {
            total += mean[i];
            mean[i] /= n;
        }
        double allMean = total / ((double) n * w);
        double[] m2 = new double[w];
        double allM2 = 0;
        long[] hist = new long[bins];
        long below = 0;
        long above = 0;
        long nan = 0;
        double scale = bins / (hi - lo);
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < w; i++) {
                double v = x[r * w + i];
                double d = v - mean[i];
                m2[i] += d * d;
                double e = v - allMean;
                allM2 += e * e;
                if (Double.isNaN(v)) {
                    nan++;
                } else if (v < lo) {
                    below++;
                } else if (v > hi) {
                    above++;
                } else {
                    hist[Math.min(bins - 1, (int) ((v - lo) * scale))]++;
                }
            }
        }
        return new HookSums(empty.hook(), empty.shape(), n, mean, m2, new Moments((long) n * w, allMean, allM2), hist, below, above, nan);
    }

    @Override
    public CorpusResult result(CorpusInfo info, Sums sums) {
        return new Result(info, sums);
    }

    /** The statistics over a corpus, and what they were computed from. */
    public record Result(CorpusInfo info, Sums sums) implements CorpusResult {
        @Override
        public List<String> columns() {
            return List.of("hook", "layer", "tokens", "mean", "variance", "std", "below", "above", "not_finite");
        }

        @Override
        public int rowCount() {
            return sums.hooks().size();
        }

        @Override
        public Object[] row(int i) {
            HookSums h = sums.hooks().get(i);
            double var = h.all().variance();
            return new Object[] {h.hook(), HookPoint.layerOf(h.hook()), h.tokens(), h.all().mean(), var, Math.sqrt(var), h.below(),
                    h.above(), h.nan()};
        }

        /** Each hook's per-element means stacked, {@code [hooks, shape...]}, when the hooks share a shape (else null). */
        @Override
        public NdData array() {
            long[] shape = sums.hooks().get(0).shape();
            if (sums.hooks().stream().anyMatch(h -> !Arrays.equals(h.shape(), shape))) {
                return null;
            }
            int w = sums.hooks().get(0).mean().length;
            double[] flat = new double[sums.hooks().size() * w];
            for (int i = 0; i < sums.hooks().size(); i++) {
                System.arraycopy(sums.hooks().get(i).mean(), 0, flat, i * w, w);
            }
            long[] out = new long[shape.length + 1];
            out[0] = sums.hooks().size();
            System.arraycopy(shape, 0, out, 1, shape.length);
            return NdData.of(out, flat);
        }

        @Override
        public String undefinedNote() {
            long nan = sums.hooks().stream().mapToLong(HookSums::nan).sum();
            return nan == 0 ? "" : nan + " NaN values (in no bin; the means and variances of their elements are nan)";
        }

        /** The sums of {@code hook} (exact name). */
        public HookSums of(String hook) {
            return sums.hooks().stream().filter(h -> h.hook().equals(hook)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(hook + " is not among the statistics' hooks"));
        }

        /**
         * Mean ablation with the corpus mean: an intervention that puts {@code hook}'s mean over every token of the
         * corpus at every position (only head {@code head}'s slice of a per-head point with {@code head >= 0}).
         */
        public Intervention ablation(String hook, int head) {
            HookSums h = of(hook);
            if (head >= 0 && HookPoint.headAxis(hook) != 2) {
                throw new IllegalArgumentException(hook + " has no head axis; ablate the whole activation (head -1)");
            }
            float[] row = new float[h.mean().length]; // every head's mean: the cells pick the head's slice
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) h.mean()[i];
            }
            return new Intervention(hook, Cells.of(head, -1), new Value.Put(Value.Table.of(row), "its mean over the corpus"));
        }
    }
}
