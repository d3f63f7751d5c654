package jlens.chart;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Fixed data for the golden tests and the demo: shaped like the notebook's figures, made from seeded
 * {@link Random} (whose sequence the JDK specifies, so the data is the same on every machine).
 */
final class Samples {
    private Samples() {}

    static double[] gaussian(long seed, int n, double mean, double std, double tailWeight) {
        Random r = new Random(seed);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double v = r.nextGaussian() * std + mean;
            if (r.nextDouble() < tailWeight) {
                v *= 4; // a heavy tail, like the outlier dimensions of Q and K
            }
            out[i] = v;
        }
        return out;
    }

    /** Demo 1 step 3: Q, K, V densities of one layer overlaid. */
    static Histogram qkvHistogram() {
        return new Histogram("Layer 5: Q, K, V value density").xLabel("activation value").yLabel("density")
                .add(Histogram.Series.fromSamples("Q", gaussian(1, 4000, 0, 1.0, 0.02), 100, -5, 5, true))
                .add(Histogram.Series.fromSamples("K", gaussian(2, 4000, 0.5, 1.4, 0.05), 100, -5, 5, true))
                .add(Histogram.Series.fromSamples("V", gaussian(3, 4000, 0, 0.5, 0.0), 100, -5, 5, true));
    }

    /** One series as bars, log y. */
    static Histogram logHistogram() {
        return new Histogram("softmax(QK^T) values, layer 3").xLabel("attention weight").yLabel("density")
                .logY(true)
                .add(Histogram.Series.fromSamples("p", softmaxLike(7, 3000), 20, 0, 1, true));
    }

    static double[] softmaxLike(long seed, int n) {
        Random r = new Random(seed);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.pow(r.nextDouble(), 6);
        }
        return out;
    }

    /** Demo 1 step 4: per-layer density on [-5, 5], rows = layers. */
    static double[][] layerDensity(int layers, int bins, long seed, double spreadGrowth) {
        double[][] m = new double[layers][];
        for (int l = 0; l < layers; l++) {
            double std = 0.4 + spreadGrowth * l;
            m[l] = Histogram.Series.fromSamples("", gaussian(seed + l, 2000, 0, std, 0.01), bins, -5, 5, true)
                    .heights();
        }
        return m;
    }

    static String[] layerLabels(int layers) {
        String[] labels = new String[layers];
        for (int i = 0; i < layers; i++) {
            labels[i] = Integer.toString(i);
        }
        return labels;
    }

    static final String[] TOKENS = {
        "The", " quick", " brown", " fox", "\n      ", " jumps", " over", " the", " lazy", " dog", ".", " It"
    };

    /** Layer x value heatmap, origin at the bottom. */
    static Heatmap layerHeatmap() {
        return new Heatmap(layerDensity(12, 100, 10, 0.08)).title("Q density per layer")
                .rowLabels(layerLabels(12)).originBottom(true).xRange(-5, 5).range(0, 0.4)
                .xLabel("activation value").yLabel("layer").colorLabel("density");
    }

    /** Demo 2: a causal QK^T matrix of the tokens after the first, masked above the diagonal. */
    static Heatmap qkHeatmap() {
        int t = TOKENS.length - 1;
        double[][] m = new double[t][t];
        Random r = new Random(5);
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                m[i][j] = j > i ? Double.NEGATIVE_INFINITY : -80 + 70 * r.nextDouble() + (i == j ? 8 : 0);
            }
        }
        String[] labels = java.util.Arrays.copyOfRange(TOKENS, 1, TOKENS.length);
        return new Heatmap(m).title("QK^T / sqrt(d), layer 5").rowLabels(labels).columnLabels(labels)
                .range(-90, 0).xLabel("key").yLabel("query").colorLabel("score");
    }

    /** Demo 1 step 6: variances of Q, K, V against layer. */
    static LinePlot variancePlot() {
        double[] layers = new double[12];
        double[] q = new double[12];
        double[] k = new double[12];
        double[] v = new double[12];
        for (int i = 0; i < 12; i++) {
            layers[i] = i;
            q[i] = 0.5 + 0.3 * i + 0.05 * i * i;
            k[i] = 1.0 + 0.5 * i + 0.02 * i * i;
            v[i] = 0.2 + 0.05 * i + (i == 11 ? 1.5 : 0);
        }
        return new LinePlot("Variance of Q, K, V by layer").xLabel("layer").yLabel("variance")
                .add(new LinePlot.Series("Q", layers, q)).add(new LinePlot.Series("K", layers, k))
                .add(new LinePlot.Series("V", layers, v));
    }

    /** Demo 2 step 4: mean and std against layer, two y axes. */
    static LinePlot meanStdPlot() {
        double[] layers = new double[12];
        double[] mean = new double[12];
        double[] std = new double[12];
        for (int i = 0; i < 12; i++) {
            layers[i] = i;
            mean[i] = -20 - 3 * i + 4 * Math.sin(i);
            std[i] = 2 + 0.8 * i;
        }
        return new LinePlot("QK^T mean and std by layer").xLabel("layer").yLabel("mean").rightLabel("std")
                .add(new LinePlot.Series("mean", layers, mean))
                .add(new LinePlot.Series("std", layers, std).onRightAxis());
    }

    /** Demo 3 step 4: log-prob per layer with the clean value as a dashed line. */
    static LinePlot ablationPlot() {
        return new LinePlot("log P(' Paris') with head 4 ablated").xLabel("layer").yLabel("log prob")
                .add(ablationSeries()).referenceLine("clean", -2.05);
    }

    static LinePlot.Series ablationSeries() {
        double[] layers = new double[12];
        double[] lp = new double[12];
        for (int i = 0; i < 12; i++) {
            layers[i] = i;
            lp[i] = -2.1 - (i == 9 ? 1.2 : 0.05 * Math.cos(i));
        }
        return new LinePlot.Series("ablated", layers, lp);
    }

    /** Demo 2 step 3: per-layer curves coloured along a colour map. */
    static Histogram perLayerHistogram() {
        Histogram h = new Histogram("QK^T value density per layer").xLabel("score").yLabel("density")
                .colorBy(new ColorBy(Colormaps.VIRIDIS, 0, 11, "layer"));
        for (int l = 0; l < 12; l++) {
            h.add(Histogram.Series.fromSamples("L" + l, gaussian(40 + l, 1500, -20 - 3 * l, 2 + 0.8 * l, 0),
                    20, -70, 0, true).at(l));
        }
        return h;
    }

    /** Demo 3 step 2: 50257 log-probabilities against vocabulary index, one marked. */
    static ScatterPlot logProbScatter() {
        Random r = new Random(9);
        double[] y = new double[50257];
        for (int i = 0; i < y.length; i++) {
            y[i] = -12 + 2.5 * r.nextGaussian() - (i > 40000 ? 3 : 0);
        }
        y[6342] = -1.7;
        return new ScatterPlot("Next-token log-probabilities", y).xLabel("vocabulary index")
                .yLabel("log prob").highlight(6342, "' Paris'");
    }

    /** Demo 3, every head: the change from the clean log-prob per layer and head, centred on zero. */
    static Heatmap ablationGrid() {
        Random r = new Random(13);
        double[][] change = new double[12][12];
        for (int l = 0; l < 12; l++) {
            for (int h = 0; h < 12; h++) {
                change[l][h] = 0.05 * r.nextGaussian() - (l == 9 && h == 6 ? 1.9 : 0) + (l == 10 && h == 7 ? 0.8 : 0);
            }
        }
        String[] heads = new String[12];
        for (int h = 0; h < 12; h++) {
            heads[h] = Integer.toString(h);
        }
        return new Heatmap(change).title("change in log P(' Paris') with one head zeroed").rowLabels(layerLabels(12))
                .columnLabels(heads).originBottom(true).xLabel("head").yLabel("layer").colorLabel("change")
                .diverging(0, "clean -2.05");
    }

    /** Demo 3 step 2 as it reads best: coloured by log-prob, the most likely tokens named. */
    static ScatterPlot labelledLogProbs() {
        Random r = new Random(9);
        double[] y = new double[50257];
        for (int i = 0; i < y.length; i++) {
            y[i] = -12 + 2.5 * r.nextGaussian() - (i > 40000 ? 3 : 0);
        }
        int[] top = {6342, 262, 257, 1578, 32641};
        String[] names = {"' Paris'", "' the'", "' a'", "' France'", "'\n'"};
        for (int k = 0; k < top.length; k++) {
            y[top[k]] = -1.2 - 0.6 * k;
        }
        ScatterPlot plot = new ScatterPlot("log-softmax at position -2", y).xLabel("token id").yLabel("log-prob")
                .colorByValue(Colormaps.MAGMA).highlight(top[0], names[0]);
        for (int k = 1; k < top.length; k++) {
            plot.label(top[k], names[k]);
        }
        return plot;
    }

    /** Demo 1 step 5: three heatmaps side by side. */
    static SmallMultiples qkvMultiples() {
        Map<String, double[]> ranges = new LinkedHashMap<>();
        ranges.put("Q", new double[] {0.4, 0.05});
        ranges.put("K", new double[] {0.3, 0.1});
        ranges.put("V", new double[] {0.7, 0.02});
        SmallMultiples sm = new SmallMultiples("Density per layer (rows) and value (columns)");
        long seed = 100;
        for (Map.Entry<String, double[]> e : ranges.entrySet()) {
            sm.add(new Heatmap(layerDensity(12, 100, seed += 20, e.getValue()[1])).title(e.getKey())
                    .rowLabels(layerLabels(12)).originBottom(true).xRange(-5, 5).range(0, e.getValue()[0]));
        }
        return sm;
    }

    /** An IOI-like circuit of a dozen edges in EAP-IG's names, with q/k/v inputs and both signs. */
    static CircuitDiagram ioiCircuit() {
        Map<String, Double> edges = new LinkedHashMap<>();
        edges.put("input->a0.h1<v>", 0.42);
        edges.put("input->a0.h2<q>", 0.31);
        edges.put("input->a0.h2<k>", 0.27);
        edges.put("a0.h1->a1.h2<k>", 1.85);
        edges.put("a0.h2->a1.h1<v>", 1.21);
        edges.put("a0.h2->m0", -0.18);
        edges.put("m0->a2.h0<q>", 0.22);
        edges.put("a1.h1->a2.h0<q>", 1.64);
        edges.put("a1.h2->logits", -0.57);
        edges.put("input->a2.h0<k>", 0.66);
        edges.put("input->a2.h0<v>", 0.93);
        edges.put("a2.h0->logits", 2.40);
        return new CircuitDiagram(edges).title("IOI-like circuit").scoreLabel("logit diff");
    }

    /** A larger circuit over 12 layers (70 edges), for the strongest-that-fit rule and the pages. */
    static CircuitDiagram largeCircuit() {
        Map<String, Double> edges = new LinkedHashMap<>();
        Random r = new Random(5);
        String[] qkv = {"<q>", "<k>", "<v>"};
        while (edges.size() < 70) {
            int l1 = r.nextInt(12);
            int l2 = l1 + 1 + r.nextInt(3);
            String from = r.nextInt(5) == 0 ? "input" : r.nextBoolean() ? "m" + l1 : "a" + l1 + ".h" + r.nextInt(12);
            String to = l2 >= 12 || r.nextInt(6) == 0 ? "logits"
                    : r.nextInt(3) == 0 ? "m" + l2 : "a" + l2 + ".h" + r.nextInt(12) + qkv[r.nextInt(3)];
            edges.put(from + "->" + to, Math.round(r.nextGaussian() * 1000) / 1000.0);
        }
        return new CircuitDiagram(edges).title("EAP-IG top edges").scoreLabel("score");
    }

    /** A detector's layer x head grid on a small model: written out cell by cell, near-zero cells still seen. */
    static Heatmap headGrid() {
        double[][] scores = {{1.99e-14, 6.07e-20, 1.55e-26}, {5.21e-21, 0.0166, 0.214}};
        return new Heatmap(scores).title("induction score by layer and head").rowLabels("0", "1").xLabel("head")
                .yLabel("layer").colormap(Colormaps.MAGMA).colorLabel("score").range(0, 1).originBottom(true);
    }

    /** Direct logit attribution per head on a 3-layer, 4-head model: a diverging annotated grid. */
    static Heatmap headGridDiverging() {
        double[][] logit = {{0.12, -0.03, 0, 1.4}, {-2.31, 0.004, 0.27, 0}, {0.08, 5.62, -0.5, 0.01}};
        return new Heatmap(logit).title("direct logit attribution per head").rowLabels("0", "1", "2").xLabel("head")
                .yLabel("layer").colorLabel("logit").originBottom(true).diverging(0, "no effect");
    }

    /** Every chart with a name, for the golden tests and the demo. */
    static Map<String, Chart> all() {
        Map<String, Chart> all = new LinkedHashMap<>();
        all.put("histogram-qkv", qkvHistogram());
        all.put("histogram-log", logHistogram());
        all.put("histogram-colorby", perLayerHistogram());
        all.put("heatmap-layers", layerHeatmap());
        all.put("heatmap-qk", qkHeatmap());
        all.put("line-variance", variancePlot());
        all.put("line-twoaxes", meanStdPlot());
        all.put("line-reference", ablationPlot());
        all.put("scatter-logprob", logProbScatter());
        all.put("multiples-qkv", qkvMultiples());
        all.put("heatmap-diverging", ablationGrid());
        all.put("scatter-labelled", labelledLogProbs());
        all.put("circuit-ioi", ioiCircuit());
        all.put("heatmap-heads", headGrid());
        all.put("heatmap-heads-diverging", headGridDiverging());
        all.put("line-single-colorby", new LinePlot("log P(' Paris') with head 4 zeroed at token -2")
                .xLabel("layer").yLabel("log-prob").colorBy(new ColorBy(Colormaps.MAGMA, 0, 11, "layer"))
                .add(ablationSeries()).referenceLine("clean", -2.05));
        all.put("token-strip", tokenStrip());
        return all;
    }

    /** A feature's activations on a sentence, as {@code feature F} draws them. */
    static TokenActivationStrip tokenStrip() {
        String[] tokens = {"After", " John", " and", " Mary", " went", " to", " the", " store", ",", " John", " gave", " a",
            " bottle", " of", " milk", " to", "\n", " the", " café"};
        double[] values = {0, 0.4, 0, 2.09, 0, 0, 0, 1.1, 0, 0.05, 0, 0, 3.4, 0, 0, 0.7, 0, 0, 12.5};
        return new TokenActivationStrip(tokens, values).title("feature 85 of relu-pre6 at blocks.2.hook_resid_pre")
                .marked(18);
    }

    /** Larger inputs, for the invariants and for looking at crowded labels and pooling (no golden files). */
    static Map<String, Chart> extra() {
        Map<String, Chart> extra = new LinkedHashMap<>();
        extra.put("circuit-70-edges", largeCircuit());
        extra.put("heatmap-36-layers", new Heatmap(layerDensity(36, 100, 300, 0.03)).title("gpt2-large K density")
                .rowLabels(layerLabels(36)).originBottom(true).xRange(-5, 5).range(0, 0.3)
                .xLabel("activation value").yLabel("layer").colorLabel("density"));
        int t = 48;
        double[][] qk = new double[t][t];
        String[] tokens = new String[t];
        Random r = new Random(11);
        for (int i = 0; i < t; i++) {
            tokens[i] = TOKENS[i % TOKENS.length];
            for (int j = 0; j < t; j++) {
                qk[i][j] = j > i ? Double.NEGATIVE_INFINITY : -60 + 50 * r.nextDouble() - (i - j) * 0.5;
            }
        }
        extra.put("heatmap-48-tokens", new Heatmap(qk).title("QK^T, 48 tokens").rowLabels(tokens)
                .columnLabels(tokens).xLabel("key").yLabel("query").colorLabel("score"));
        double[] x = new double[12];
        LinePlot curves = new LinePlot("per-layer curves along viridis").xLabel("bin").yLabel("density")
                .colorBy(new ColorBy(Colormaps.VIRIDIS, 0, 35, "layer"));
        for (int l = 0; l < 36; l++) {
            double[] y = new double[40];
            for (int k = 0; k < y.length; k++) {
                y[k] = Math.exp(-Math.pow((k - 10 - l * 0.5) / (3 + l * 0.1), 2));
            }
            curves.add(LinePlot.Series.overIndex("L" + l, y).at(l));
        }
        extra.put("line-colorby", curves);
        extra.put("scatter-byvalue", new ScatterPlot("QK^T values in order", gaussian(21, 5000, -40, 12, 0.02))
                .colorByValue(Colormaps.MAGMA).xLabel("index").yLabel("score"));
        return extra;
    }
}
