package jlens.analysis;

import java.util.ArrayList;
import java.util.List;
import jlens.hook.ActivationCache;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/** Density histograms of Q, K and V values: one layer (demo 1 step 3) or every layer on common bins (step 4). */
public final class QkvDensities {
    private QkvDensities() {}

    /** Q, K and V of one layer, each in {@code bins} bins over its own range (the notebook's plot). */
    public static Layer layer(QkvSplit split, int bins) {
        Checks.bins(bins);
        return new Layer(split.layer(), split.firstPosition(), split.positions(), bins, false,
                Density.auto(split.q(), bins), Density.auto(split.k(), bins), Density.auto(split.v(), bins));
    }

    /** Q, K and V of one layer on the common edges {@code bins} over {@code [lo, hi]}. */
    public static Layer layer(QkvSplit split, int bins, double lo, double hi) {
        Checks.bins(bins);
        Checks.range(lo, hi);
        return new Layer(split.layer(), split.firstPosition(), split.positions(), bins, true,
                Density.of(split.q(), bins, lo, hi), Density.of(split.k(), bins, lo, hi),
                Density.of(split.v(), bins, lo, hi));
    }

    /** Every layer's Q, K and V on common edges, {@code bins} over {@code [lo, hi]}; needs {@code hook_qkv} of all layers. */
    public static AllLayers allLayers(ActivationCache cache, Gpt2Config config, int firstPosition, int bins,
            double lo, double hi) {
        Checks.bins(bins);
        Checks.range(lo, hi);
        List<Density> q = new ArrayList<>();
        List<Density> k = new ArrayList<>();
        List<Density> v = new ArrayList<>();
        int positions = 0;
        for (int l = 0; l < config.nLayer(); l++) {
            QkvSplit split = QkvSplitter.split(cache, config, l, firstPosition);
            positions = split.positions();
            q.add(Density.of(split.q(), bins, lo, hi));
            k.add(Density.of(split.k(), bins, lo, hi));
            v.add(Density.of(split.v(), bins, lo, hi));
        }
        return new AllLayers(firstPosition, positions, bins, lo, hi, q, k, v);
    }

    /** {lo, hi}: the smallest and largest finite Q, K or V value of any layer, from {@code firstPosition}. */
    public static double[] valueRange(ActivationCache cache, Gpt2Config config, int firstPosition) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < config.nLayer(); l++) {
            QkvSplit split = QkvSplitter.split(cache, config, l, firstPosition);
            for (float[] part : new float[][] {split.q(), split.k(), split.v()}) {
                for (float x : part) {
                    if (Float.isFinite(x)) {
                        lo = Math.min(lo, x);
                        hi = Math.max(hi, x);
                    }
                }
            }
        }
        return hi > lo ? new double[] {lo, hi} : new double[] {lo - 0.5, lo + 0.5};
    }

    /** The notebook's all-layer histograms: 100 bins on [-5, 5]. */
    public static AllLayers allLayers(ActivationCache cache, Gpt2Config config, int firstPosition) {
        return allLayers(cache, config, firstPosition, AnalysisDefaults.QKV_BINS, -AnalysisDefaults.QKV_RANGE,
                AnalysisDefaults.QKV_RANGE);
    }

    /** As {@link #allLayers(ActivationCache, Gpt2Config, int, int, double, double)}, from one pass of {@code ids}. */
    public static AllLayers allLayers(Gpt2 model, long[] ids, int firstPosition, int bins, double lo, double hi) {
        Gpt2Config config = model.config();
        return CapturedPass.analyse(model, ids, CapturedPass.qkvHooks(config.nLayer()),
                run -> allLayers(run.cache(), config, firstPosition, bins, lo, hi));
    }

    /**
     * Density histograms of one layer's Q, K and V (demo 1 step 3).
     *
     * @param layer the layer
     * @param firstPosition first token position counted
     * @param positions positions counted
     * @param bins bins of each histogram
     * @param sharedEdges true when Q, K and V share one set of edges; false when each is binned over its own range, as
     *     the notebook does
     * @param q histogram of Q's values
     * @param k histogram of K's values
     * @param v histogram of V's values
     */
    public record Layer(int layer, int firstPosition, int positions, int bins, boolean sharedEdges,
            Density q, Density k, Density v) implements AnalysisResult {

        public Density part(QkvPart part) {
            return switch (part) {
                case Q -> q;
                case K -> k;
                case V -> v;
            };
        }

        /**
         * With shared edges the documented {@code bin_left,bin_right,q,k,v} (densities). Over each part's own range the
         * bins differ, so each part carries its own edges: {@code bin,q_bin_left,q_bin_right,q,k_bin_left,...}.
         */
        @Override
        public List<String> columns() {
            if (sharedEdges) {
                return List.of("bin_left", "bin_right", "q", "k", "v");
            }
            List<String> out = new ArrayList<>(List.of("bin"));
            for (QkvPart p : QkvPart.values()) {
                out.addAll(List.of(p.label() + "_bin_left", p.label() + "_bin_right", p.label()));
            }
            return out;
        }

        @Override
        public int rowCount() {
            return bins;
        }

        @Override
        public String undefinedNote() {
            List<String> out = new ArrayList<>();
            for (QkvPart p : QkvPart.values()) {
                if (part(p).hasNonFinite()) {
                    out.add(p + ": " + part(p).undefinedNote());
                }
            }
            return String.join("; ", out);
        }

        @Override
        public Object[] row(int i) {
            if (sharedEdges) {
                return new Object[] {q.edges()[i], q.edges()[i + 1], q.density()[i], k.density()[i], v.density()[i]};
            }
            return new Object[] {i, q.edges()[i], q.edges()[i + 1], q.density()[i], k.edges()[i], k.edges()[i + 1],
                k.density()[i], v.edges()[i], v.edges()[i + 1], v.density()[i]};
        }
    }

    /**
     * Density histograms of Q, K and V for every layer on common edges (demo 1 steps 4-5): each part gives a
     * layer x bin matrix for a heatmap.
     *
     * @param firstPosition first token position counted
     * @param positions positions counted per layer
     * @param bins bins per histogram
     * @param lo lower edge of the common range
     * @param hi upper edge of the common range
     * @param q per layer, the histogram of Q
     * @param k per layer, the histogram of K
     * @param v per layer, the histogram of V
     */
    public record AllLayers(int firstPosition, int positions, int bins, double lo, double hi,
            List<Density> q, List<Density> k, List<Density> v) implements AnalysisResult {

        /** Densities of Q, K and V by layer: {@code [3, layers, bins]}. */
        @Override
        public NdData array() {
            double[] flat = new double[3 * layers() * bins];
            int i = 0;
            for (QkvPart p : QkvPart.values()) {
                for (double[] row : densities(p)) {
                    System.arraycopy(row, 0, flat, i, bins);
                    i += bins;
                }
            }
            return NdData.of(new long[] {3, layers(), bins}, flat);
        }

        public AllLayers {
            q = List.copyOf(q);
            k = List.copyOf(k);
            v = List.copyOf(v);
        }

        public int layers() {
            return q.size();
        }

        /** The common bin edges ({@code bins + 1}). */
        public double[] edges() {
            return q.get(0).edges().clone();
        }

        public List<Density> part(QkvPart part) {
            return switch (part) {
                case Q -> q;
                case K -> k;
                case V -> v;
            };
        }

        /** Densities of {@code part}, {@code [layers][bins]}: row {@code l} is layer {@code l}. */
        public double[][] densities(QkvPart part) {
            return part(part).stream().map(h -> h.density().clone()).toArray(double[][]::new);
        }

        @Override
        public List<String> columns() {
            return List.of("layer", "bin_left", "bin_right", "q", "k", "v");
        }

        @Override
        public String undefinedNote() {
            List<String> out = new ArrayList<>();
            for (int l = 0; l < layers(); l++) {
                for (QkvPart p : QkvPart.values()) {
                    Density d = part(p).get(l);
                    if (d.hasNonFinite()) {
                        out.add("layer " + l + " " + p + ": " + d.undefinedNote());
                    }
                }
            }
            return String.join("; ", out);
        }

        @Override
        public int rowCount() {
            return layers() * bins;
        }

        @Override
        public Object[] row(int i) {
            int l = i / bins;
            int b = i % bins;
            double[] e = q.get(l).edges();
            return new Object[] {l, e[b], e[b + 1], q.get(l).density()[b], k.get(l).density()[b], v.get(l).density()[b]};
        }
    }
}
