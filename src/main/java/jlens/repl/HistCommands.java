package jlens.repl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import jlens.analysis.Density;
import jlens.analysis.QkvDensities;
import jlens.analysis.QkvSplit;
import jlens.analysis.QkvSplitter;
import jlens.analysis.QkvPart;
import jlens.chart.Chart;
import jlens.chart.Colormaps;
import jlens.chart.Heatmap;
import jlens.chart.Histogram;
import jlens.chart.SmallMultiples;
import jlens.hook.HookPoint;

/** {@code hist}: demo 1's density histograms of Q, K and V, one layer or every layer. */
final class HistCommands {
    private HistCommands() {}

    static Command command() {
        return new Command("hist", "hist [LAYER|all] [--range LO HI | --auto] [--pos0]", "density histograms of Q, K and V: one layer, or all layers as heatmaps",
                """
                'hist LAYER' draws the density histograms of the layer's Q, K and V values (own range,
                'set bins' bins, 100 by default), three series on one plot, as demo 1 step 3.
                With --range LO HI, Q, K and V of the layer share edges on [LO, HI] (the CSV is then
                bin_left,bin_right,q,k,v; without it each part carries its own edges).
                'hist all' bins every layer on common edges (100 bins on [-5, 5]) and draws three
                layer x value heatmaps (magma, Q 0-0.4, K 0-0.3, V 0-0.7), as demo 1 step 5;
                with --range LO HI on [LO, HI], with --auto on the data's own range (said in the
                title), each heatmap then coloured up to its own largest density.
                Position 0 is left out unless --pos0 or 'set pos0 on'. Needs 'hook layer all' and 'run'.
                Examples:
                  text "The cat sat on the mat. The cat sat on the mat."
                  hook layer all
                  run
                  hist 1
                  hist 1 --range -5 5
                  save hist1.csv
                  hist all
                  hist all --auto""",
                (s, before) -> before.isEmpty() ? HookCommands.concat(Completions.layers(s, true), List.of("--pos0", "--range", "--auto"))
                        : List.of("--pos0", "--range", "--auto"),
                HistCommands::hist);
    }

    private static void hist(Session s, Args a) {
        int first = Positions.first(s, a);
        List<String> range = a.option("--range", 2);
        boolean auto = a.flag("--auto");
        Integer layer = StatsCommands.layerOrAll(s, a);
        a.end();
        double lo = 0;
        double hi = 0;
        if (range != null) {
            lo = Args.parseDouble(range.get(0), "LO", a.usage());
            hi = Args.parseDouble(range.get(1), "HI", a.usage());
            if (!(hi > lo)) {
                throw new UserError("--range needs LO < HI, not " + range.get(0) + " " + range.get(1));
            }
        }
        if (auto && (range != null || layer != null)) {
            throw new UserError(range != null ? "give --range LO HI or --auto, not both"
                    : "--auto is for 'hist all'; one layer is already binned over its own range");
        }
        var ws = s.workspace();
        if (layer != null) {
            int bins = s.settings().bins();
            QkvSplit split = ws.split(layer, first);
            QkvDensities.Layer h = range == null ? QkvDensities.layer(split, bins) : QkvDensities.layer(split, bins, lo, hi);
            s.settings().layer(layer);
            s.println("layer " + layer + ": density of Q, K, V values (" + bins + " bins " + (range == null ? "each over its own range"
                    : "on [" + Format.num(lo) + ", " + Format.num(hi) + "]") + "); " + Positions.note(first));
            // Said before the chart, so that on a terminal the chart's height leaves room for them.
            for (QkvPart part : QkvPart.values()) {
                if (h.part(part).hasNonFinite()) { // an all-NaN part is otherwise an empty plot on an invented range
                    s.println(part + ": " + h.part(part).nonFiniteNote());
                }
            }
            Chart chart = layerChart(h);
            if (chart != null) {
                s.draw(chart, layerFigure(s, first, layer));
            } else {
                s.println("layer " + layer + ": no Q, K or V value is finite: nothing to draw");
                s.nothingDrawn();
            }
            s.lastResult(Result.of("hist", "hist " + layer, Map.of("layer", layer, "first_position", first, "bins", bins,
                    "shared_edges", range != null), h));
            return;
        }
        boolean own = range != null || auto;
        if (auto) {
            double[] r = QkvDensities.valueRange(ws.cacheWith(HookCommands.everyLayer(s, HookPoint.QKV)), s.workspace().config(), first);
            lo = r[0];
            hi = r[1];
        }
        var cache = ws.cacheWith(HookCommands.everyLayer(s, HookPoint.QKV));
        QkvDensities.AllLayers all = own ? QkvDensities.allLayers(cache, ws.config(), first, 100, lo, hi)
                : QkvDensities.allLayers(cache, ws.config(), first);
        s.println("every layer: density of Q, K, V on common edges (" + all.bins() + " bins on [" + Format.num(all.lo()) + ", "
                + Format.num(all.hi()) + "]" + (auto ? ", the data's own range" : "") + "); " + Positions.note(first));
        Chart overview = heatmaps(all, own, auto);
        List<String> titles = new ArrayList<>(List.of("Q, K, V density by layer"));
        for (int l = 0; l < all.layers(); l++) {
            titles.add("layer " + l + ": Q, K, V density on [" + Format.num(all.lo()) + ", " + Format.num(all.hi()) + "]");
        }
        for (int l = 0; l < all.layers(); l++) { // before the chart, whose height on a terminal then leaves room for them
            for (QkvPart part : QkvPart.values()) {
                Density d = switch (part) {
                    case Q -> all.q().get(l);
                    case K -> all.k().get(l);
                    case V -> all.v().get(l);
                };
                if (d.hasNonFinite()) { // an empty row would otherwise look like a layer of values outside the range
                    s.println("layer " + l + " " + part + ": " + d.nonFiniteNote() + (d.hasDensity() ? "" : "; no finite value: a blank row"));
                }
            }
        }
        s.draw(overview, new Figure(titles, 0, i -> i == 0 ? overview : sharedLayerChart(all, i - 1)));
        s.println("'view' shows these full screen and pages through every layer's histograms (arrow keys)");
        s.lastResult(Result.of("hist-all", "hist all", Map.of("first_position", first, "bins", all.bins(), "lo", all.lo(), "hi", all.hi()),
                all));
    }

    /** The notebook's colour ranges for the three layer x value heatmaps. */
    private static final double[] HEATMAP_MAX = {0.4, 0.3, 0.7};

    static Chart heatmaps(QkvDensities.AllLayers all) {
        return heatmaps(all, false, false);
    }

    /**
     * The three layer x value heatmaps: the notebook's colour limits on its edges; on other edges ({@code own})
     * each coloured up to its own largest density, since the notebook's limits would saturate or wash out.
     */
    static Chart heatmaps(QkvDensities.AllLayers all, boolean own, boolean auto) {
        String edges = own ? ", values on [" + Format.num(all.lo()) + ", " + Format.num(all.hi()) + "]"
                + (auto ? " (the data's range)" : "") : "";
        SmallMultiples grid = new SmallMultiples("Q, K, V density by layer (rows: layers, origin at the bottom)" + edges);
        for (QkvPart p : QkvPart.values()) {
            double[][] d = all.densities(p);
            double max = 0;
            for (double[] row : d) {
                for (double x : row) {
                    max = Double.isFinite(x) ? Math.max(max, x) : max;
                }
            }
            grid.add(new Heatmap(d).title(p.label().toUpperCase(Locale.ROOT)).xRange(all.lo(), all.hi())
                    .range(0, own ? (max > 0 ? max : 1) : HEATMAP_MAX[p.ordinal()]).colormap(Colormaps.MAGMA)
                    .originBottom(true).yLabel("layer").xLabel("value").colorLabel("density"));
        }
        return grid;
    }


    /** Q, K and V of one layer on one plot; a part with no finite value is left out; null when none is left. */
    static Chart layerChart(QkvDensities.Layer h) {
        Histogram chart = new Histogram("layer " + h.layer() + ": Q, K, V density").xLabel("value").yLabel("density");
        boolean any = false;
        for (QkvPart p : QkvPart.values()) {
            var part = h.part(p);
            if (part.hasEdges()) { // else its range would be invented (the command says how many values are not finite)
                chart.add(new Histogram.Series(p.label().toUpperCase(Locale.ROOT), part.edges(), part.density()));
                any = true;
            }
        }
        return any ? chart : null;
    }

    private static Chart sharedLayerChart(QkvDensities.AllLayers all, int layer) {
        Histogram chart = new Histogram("layer " + layer + ": Q, K, V density").xLabel("value").yLabel("density");
        for (QkvPart p : QkvPart.values()) {
            var part = all.part(p).get(layer);
            chart.add(new Histogram.Series(p.label().toUpperCase(Locale.ROOT), part.edges(), part.density()));
        }
        return chart;
    }

    /** Pages for the viewer: every layer's own histograms, computed when shown. */
    private static Figure layerFigure(Session s, int first, int start) {
        var cache = s.workspace().cache();
        var cfg = s.workspace().config();
        int bins = s.settings().bins();
        List<String> titles = new ArrayList<>();
        for (int l = 0; l < cfg.nLayer(); l++) {
            titles.add("layer " + l + ": Q, K, V density");
        }
        return new Figure(titles, start, l -> {
            if (!cache.contains(HookPoint.block(l, HookPoint.QKV))) {
                return StatsCommands.emptyPage("layer " + l + " not captured ('hook layer all', 'run')");
            }
            Chart c = layerChart(QkvDensities.layer(QkvSplitter.split(cache, cfg, l, first), bins));
            return c != null ? c : StatsCommands.emptyPage("layer " + l + ": no Q, K or V value is finite");
        });
    }
}
