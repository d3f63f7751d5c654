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
    public static QkvLayerHistograms layer(QkvSplit split, int bins) {
        Args.bins(bins);
        return new QkvLayerHistograms(split.layer(), split.firstPosition(), split.positions(), bins, false,
                Histogram.auto(split.q(), bins), Histogram.auto(split.k(), bins), Histogram.auto(split.v(), bins));
    }

    /** Q, K and V of one layer on the common edges {@code bins} over {@code [lo, hi]}. */
    public static QkvLayerHistograms layer(QkvSplit split, int bins, double lo, double hi) {
        Args.bins(bins);
        Args.range(lo, hi);
        return new QkvLayerHistograms(split.layer(), split.firstPosition(), split.positions(), bins, true,
                Histogram.of(split.q(), bins, lo, hi), Histogram.of(split.k(), bins, lo, hi),
                Histogram.of(split.v(), bins, lo, hi));
    }

    /** Every layer's Q, K and V on common edges, {@code bins} over {@code [lo, hi]}; needs {@code hook_qkv} of all layers. */
    public static QkvHistogramsByLayer allLayers(ActivationCache cache, Gpt2Config config, int firstPosition, int bins,
            double lo, double hi) {
        Args.bins(bins);
        Args.range(lo, hi);
        List<Histogram> q = new ArrayList<>();
        List<Histogram> k = new ArrayList<>();
        List<Histogram> v = new ArrayList<>();
        int positions = 0;
        for (int l = 0; l < config.nLayer(); l++) {
            QkvSplit split = QkvSplitter.split(cache, config, l, firstPosition);
            positions = split.positions();
            q.add(Histogram.of(split.q(), bins, lo, hi));
            k.add(Histogram.of(split.k(), bins, lo, hi));
            v.add(Histogram.of(split.v(), bins, lo, hi));
        }
        return new QkvHistogramsByLayer(firstPosition, positions, bins, lo, hi, q, k, v);
    }

    /** The notebook's all-layer histograms: 100 bins on [-5, 5]. */
    public static QkvHistogramsByLayer allLayers(ActivationCache cache, Gpt2Config config, int firstPosition) {
        return allLayers(cache, config, firstPosition, AnalysisDefaults.QKV_BINS, -AnalysisDefaults.QKV_RANGE,
                AnalysisDefaults.QKV_RANGE);
    }

    /** As {@link #allLayers(ActivationCache, Gpt2Config, int, int, double, double)}, from one pass of {@code ids}. */
    public static QkvHistogramsByLayer allLayers(Gpt2 model, long[] ids, int firstPosition, int bins, double lo, double hi) {
        Gpt2Config config = model.config();
        return CapturedPass.analyse(model, ids, CapturedPass.qkvHooks(config.nLayer()),
                run -> allLayers(run.cache(), config, firstPosition, bins, lo, hi));
    }
}
