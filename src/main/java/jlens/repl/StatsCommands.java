package jlens.repl;

import java.util.List;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import jlens.analysis.FullWidthQkt;
import jlens.analysis.QkvPart;
import jlens.analysis.QkvVariances;
import jlens.chart.Chart;
import jlens.chart.ColorBy;
import jlens.chart.Colormaps;
import jlens.chart.Heatmap;
import jlens.chart.Histogram;
import jlens.chart.LinePlot;
import jlens.chart.ScatterPlot;
import jlens.chart.SmallMultiples;
import jlens.hook.HookPoint;

/** {@code var} and {@code qkt} (and {@link HistCommands}'s {@code hist}): demos 1 and 2 over the captured c_attn outputs. */
final class StatsCommands {
    private StatsCommands() {}

    static List<Command> all() {
        return List.of(HistCommands.command(),
                new Command("var", "var [--pos0]", "per-layer variance of Q, K and V (table and line plot)",
                        """
                        The unbiased variance of Q, of K and of V for every layer (positions 1..T-1 unless
                        --pos0), as a table and a line plot against layer: demo 1 steps 4 and 6.
                        Needs 'hook layer all' and 'run'.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          hook layer all
                          run
                          var
                          save variances.csv""",
                        (s, before) -> List.of("--pos0"),
                        StatsCommands::variances),
                new Command("qkt", "qkt [LAYER|all] [--pos0]", "QK^T/sqrt(d_head) of a layer (heatmap, scatter), or stats over all layers",
                        """
                        'qkt LAYER' computes q[1:] @ k[1:]^T / sqrt(d_head) with the full d_model-wide Q and K
                        (the notebook's simplification: not per head, no causal mask), and draws it as a heatmap
                        beside a scatter of its values: demo 2 steps 1-2.
                        'qkt all' does every layer: 20-bin densities of QK^T and of its row softmax (log y),
                        and the mean and std per layer: demo 2 steps 3-4.
                        Needs 'hook layer all' and 'run'.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          hook layer all
                          run
                          qkt 1
                          qkt all
                          save qkt.csv""",
                        (s, before) -> before.isEmpty() ? HookCommands.concat(Completions.layers(s, true), List.of("--pos0")) : List.of("--pos0"),
                        StatsCommands::qkt));
    }

    /** LAYER or all (null for all); the default is the last layer named. */
    static Integer layerOrAll(Session s, Args a) {
        if (a.accept("all")) {
            return null;
        }
        int nLayer = s.workspace().config().nLayer();
        return a.hasNext() ? a.nextIndex("layer", nLayer, "the model has " + nLayer + " layers") : s.settings().layer();
    }


    /** A page that says why there is nothing on it (an empty frame under its title). */
    static Chart emptyPage(String title) {
        return new Histogram(title).add(new Histogram.Series("", new double[] {Double.NaN, Double.NaN}, new double[] {Double.NaN}));
    }

    private static void variances(Session s, Args a) {
        int first = Positions.first(s, a);
        a.end();
        QkvVariances.ByLayer v = QkvVariances.compute(s.workspace().cacheWith(HookCommands.everyLayer(s, HookPoint.QKV)),
                s.workspace().config(), first);
        s.println("unbiased variance of Q, K, V per layer; " + Positions.note(first));
        TextTable t = new TextTable("layer", "q", "k", "v");
        for (int l = 0; l < v.layers(); l++) {
            t.row(l, v.q()[l], v.k()[l], v.v()[l]);
        }
        s.tableBeforeCharts(t, 1, "var.csv");
        LinePlot plot = new LinePlot("variance of Q, K, V by layer").xLabel("layer").yLabel("variance").markers(true);
        for (QkvPart p : QkvPart.values()) {
            plot.add(LinePlot.Series.overIndex(p.label().toUpperCase(Locale.ROOT), v.part(p)));
        }
        s.draw(plot, null);
        List<String> undefined = new ArrayList<>();
        for (QkvPart p : QkvPart.values()) {
            for (int l = 0; l < v.layers(); l++) {
                if (!Double.isFinite(v.part(p)[l])) { // the plot has no point for it: say which
                    undefined.add(p.label().toUpperCase(Locale.ROOT) + l + " " + Format.num(v.part(p)[l]));
                }
            }
        }
        if (!undefined.isEmpty()) {
            s.println("not drawn (not finite: NaN or infinite values in the activations): " + String.join(", ", undefined));
        }
        s.lastResult(Result.of("var", "var", Map.of("first_position", first), v));
    }


    private static void qkt(Session s, Args a) {
        int first = Positions.first(s, a);
        Integer layer = layerOrAll(s, a);
        a.end();
        var cfg = s.workspace().config();
        var ws = s.workspace();
        if (layer != null) {
            FullWidthQkt.Layer m = FullWidthQkt.layer(ws.cacheWith(List.of(HookPoint.block(layer, HookPoint.QKV))), cfg, layer, first);
            s.settings().layer(layer);
            var cache = s.workspace().cache();
            s.println("layer " + layer + ": q @ k^T / sqrt(" + m.dHead() + ") over the full d_model, no causal mask (the notebook's), "
                    + Format.shape(new long[] {m.size(), m.size()}) + ", mean " + Format.num(m.mean()) + ", std " + Format.num(m.std())
                    + "; " + Positions.note(first));
            List<String> titles = new ArrayList<>();
            for (int l = 0; l < cfg.nLayer(); l++) {
                titles.add("layer " + l + ": QK^T / sqrt(d_head)");
            }
            int bad = m.nonFinite();
            if (bad == m.scores().length) { // an empty heatmap on an invented 0..1 scale says nothing
                s.println("layer " + layer + ": every one of the " + bad + " values of QK^T is NaN or infinite (the layer's Q or K "
                        + "are not finite): nothing to draw");
                s.nothingDrawn();
            } else {
                if (bad > 0) {
                    s.println(bad + " of the " + m.scores().length + " values are NaN or infinite: blank cells, left out of the "
                            + "scatter and of the colour range (taken from the finite values)");
                }
                s.draw(qktChart(m, s), new Figure(titles, layer, l -> {
                    if (!cache.contains(HookPoint.block(l, HookPoint.QKV))) {
                        return emptyPage("layer " + l + " not captured");
                    }
                    FullWidthQkt.Layer other = FullWidthQkt.layer(cache, cfg, l, first);
                    return other.nonFinite() == other.scores().length
                            ? emptyPage("layer " + l + ": every value of QK^T is NaN or infinite") : qktChart(other, s);
                }));
            }
            s.lastResult(Result.of("qkt", "qkt " + layer, Map.of("layer", layer, "first_position", first), m));
            return;
        }
        FullWidthQkt.AllLayers all = FullWidthQkt.allLayers(ws.cacheWith(HookCommands.everyLayer(s, HookPoint.QKV)), cfg, first, 20);
        s.println("every layer: QK^T / sqrt(d_head) over the full d_model; " + Positions.note(first));
        TextTable t = new TextTable("layer", "mean", "std");
        for (int l = 0; l < all.layers(); l++) {
            t.row(l, all.mean()[l], all.std()[l]);
        }
        s.tableBeforeCharts(t, 2, "qkt.csv");
        int n = all.layers();
        ColorBy byLayer = new ColorBy(Colormaps.MAGMA, 0, Math.max(1, n - 1), "layer");
        Histogram scores = new Histogram("QK^T density, one curve per layer").xLabel("QK^T / sqrt(d_head)").yLabel("density").colorBy(byLayer);
        Histogram soft = new Histogram("softmax(QK^T) density (log y)").xLabel("softmax").yLabel("density").logY(true).colorBy(byLayer);
        for (int l = 0; l < n; l++) {
            var h = all.scoreHistograms().get(l);
            scores.add(new Histogram.Series("layer " + l, h.edges(), h.density()).at(l));
            var sh = all.softmaxHistograms().get(l);
            soft.add(new Histogram.Series("layer " + l, sh.edges(), sh.density()).at(l));
        }
        LinePlot stats = new LinePlot("mean and std of QK^T by layer").xLabel("layer").yLabel("mean").rightLabel("std").markers(true)
                .add(LinePlot.Series.overIndex("mean", all.mean())).add(LinePlot.Series.overIndex("std", all.std()).onRightAxis());
        // Pages in the order the charts were printed: the two families of distributions, then mean and std.
        Figure pages = new Figure(List.of("QK^T densities", "softmax densities", "mean and std by layer"), 0,
                i -> i == 0 ? scores : i == 1 ? soft : stats);
        // The notebook's order: the two families of distributions side by side, then mean and std per layer.
        s.draw(new SmallMultiples("QK^T and its row softmax, one curve per layer").add(scores).add(soft), pages,
                s.chartHeight(2));
        s.draw(stats, pages);
        for (int l = 0; l < n; l++) {
            for (var h : List.of(all.scoreHistograms().get(l), all.softmaxHistograms().get(l))) {
                if (h.hasNonFinite()) { // its curve is missing or drawn from the finite values only: say so
                    s.println("layer " + l + " " + (h == all.scoreHistograms().get(l) ? "QK^T" : "softmax") + ": " + h.nonFiniteNote()
                            + (h.hasEdges() ? "" : "; no finite value: no curve"));
                }
            }
        }
        s.println("'view' pages through these full screen (arrow keys)");
        s.lastResult(Result.of("qkt-all", "qkt all", Map.of("first_position", first, "bins", 20), all));
    }


    /** The matrix as a heatmap beside a scatter of its values in order (demo 2 step 2). */
    static Chart qktChart(FullWidthQkt.Layer m, Session s) {
        int n = m.size();
        double[][] grid = new double[n][n];
        double[] flat = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                float v = m.score(i, j);
                grid[i][j] = Float.isFinite(v) ? v : Double.NaN; // masked: +inf would take the top colour
                flat[i * n + j] = grid[i][j];
            }
        }
        String[] labels = tokenLabels(s, m.firstPosition(), n);
        return new SmallMultiples("layer " + m.layer() + ": QK^T / sqrt(d_head)")
                .add(new Heatmap(grid).title("queries x keys").rowLabels(labels).columnLabels(labels).colormap(Colormaps.MAGMA)
                        .colorLabel("score"))
                .add(new ScatterPlot("all values in order", flat).colorByValue(Colormaps.MAGMA).xLabel("index").yLabel("score"));
    }

    /** Tokens as short visible labels, for positions first..first+n-1. */
    static String[] tokenLabels(Session s, int first, int n) {
        String[] pieces = s.workspace().tokenPieces();
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = Format.visible(pieces[first + i]);
        }
        return out;
    }
}
