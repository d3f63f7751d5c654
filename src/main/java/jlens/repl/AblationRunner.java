package jlens.repl;

import java.util.Map;
import jlens.analysis.NdData;
import jlens.intervene.Site;
import jlens.intervene.SweepCsv;
import jlens.intervene.SweepOptions;
import jlens.intervene.SweepResult;
import jlens.intervene.SweepSpec;
import jlens.chart.Colormaps;
import jlens.chart.Heatmap;
import jlens.chart.LinePlot;

/** {@code ablate}: builds the sweep, runs it with progress and Ctrl-C, prints and draws the result. */
final class AblationRunner {
    private AblationRunner() {}

    static void run(Session s, ProbeCommands.AblateSpec a) {
        var cfg = s.workspace().config();
        long[] ids = s.workspace().ids();
        SweepSpec spec;
        String line;
        if (a.head() == null) {
            if (a.layer() != null) {
                spec = SweepSpec.heads(cfg, ids, a.site(), a.layer(), a.position());
            } else {
                spec = SweepSpec.grid(cfg, ids, a.site(), a.position());
            }
            line = "ablate head all token " + a.position() + (a.layer() != null ? " layer " + a.layer() : "");
        } else if (a.layer() != null) {
            spec = SweepSpec.single(cfg, ids, a.site(), a.layer(), a.head(), a.position());
            line = "ablate head " + a.head() + " token " + a.position() + " layer " + a.layer();
        } else {
            spec = SweepSpec.layers(cfg, ids, a.site(), a.head(), a.position());
            line = "ablate head " + a.head() + " token " + a.position();
        }
        String at = a.site().equals(Site.Z) ? "" : " at " + a.site().word();
        line += at;
        String target = Format.visible(s.workspace().model().tokenizer().pieces(new long[] {spec.target()})[0]);
        s.println("zeroing " + (a.site().equals(Site.Z) ? "hook_z" : a.site().word()) + (a.head() == null ? " of every head" : " of head " + a.head()) + " at token " + a.position() + ", "
                + spec.cases().size() + " case" + (spec.cases().size() == 1 ? "" : "s") + "; log-prob of the last token '" + target
                + "' predicted at position " + spec.predictAt() + " (Ctrl-C cancels)");
        ProgressMeter progress = new ProgressMeter(s, "ablate");
        SweepResult r;
        try {
            r = Session.user(() -> s.workspace().ablate(spec, SweepOptions.defaults().withProgress(progress).withCancel(s::cancelRequested)));
        } finally {
            progress.done();
        }
        boolean cleanFinite = Double.isFinite(r.clean());
        if (cleanFinite) {
            s.println("clean log-prob " + Format.num(r.clean()) + " (probability " + Format.num(Math.exp(r.clean())) + ")");
        } else { // no clean line at an invented 0, no change from it
            s.println("clean log-prob is " + Format.num(r.clean()) + ": the unablated model's logits at position " + spec.predictAt()
                    + " are not finite, so there is no clean value to compare with (no clean line; the ablated values are drawn as they are)");
        }
        long nonFinite = r.records().stream().filter(x -> !Double.isFinite(x.logprob())).count();
        if (nonFinite > 0) {
            s.println(nonFinite + " of " + r.records().size() + " ablated log-probs are NaN or infinite: "
                    + (a.head() == null ? "blank cells" : "missing points") + " in the chart ('save X.csv' keeps them as nan)");
        }
        boolean drawable = r.records().stream().anyMatch(x -> Double.isFinite(x.logprob()));
        if (!drawable) {
            s.println("no ablated log-prob is finite: nothing to draw");
            s.nothingDrawn();
        }
        // A grid has hundreds of cases: list the ten that move the log-prob most ('save FILE.csv' has them all).
        boolean ranked = r.records().size() > 40;
        TextTable table = new TextTable("layer", "head", "logprob", "prob", "delta");
        (ranked ? r.ranked().subList(0, 10) : r.records())
                .forEach(x -> table.row(x.layer(), x.head(), x.logprob(), Math.exp(x.logprob()), x.delta()));
        if (ranked) {
            s.println("the 10 of " + r.records().size() + " cases with the largest effect (delta = ablated - clean):");
        }
        s.tableBeforeCharts(table, 1, "ablation.csv");
        Map<String, Object> params = Map.of("head", a.head() == null ? "all" : a.head(), "token", a.position(),
                "layer", a.layer() == null ? "all" : a.layer(), "predict_at", spec.predictAt(), "target", spec.target());
        if (a.head() == null) {
            double[][] grid = r.byLayerAndHead();
            if (a.layer() != null) {
                grid = new double[][] {grid[a.layer()]};
            }
            String[] rows = new String[grid.length];
            for (int l = 0; l < grid.length; l++) {
                rows[l] = Integer.toString(a.layer() != null ? a.layer() : l);
            }
            // Coloured by the change from the clean run, centred on zero: blue where zeroing the head lowers the
            // target's log-prob (the head helps), red where it raises it; the bar names the clean value.
            // A non-finite clean value leaves no change to show: the ablated log-probs themselves are drawn.
            // Non-finite cells are blank (NaN is the heatmap's mask).
            double[][] change = new double[grid.length][];
            for (int l = 0; l < grid.length; l++) {
                change[l] = new double[grid[l].length];
                for (int h = 0; h < grid[l].length; h++) {
                    double v = cleanFinite ? grid[l][h] - r.clean() : grid[l][h];
                    change[l][h] = Double.isFinite(v) ? v : Double.NaN;
                }
            }
            if (drawable) {
                Heatmap map = new Heatmap(change).rowLabels(rows).xLabel("head").yLabel("layer").originBottom(true);
                if (cleanFinite) {
                    map.title("change in log-prob of '" + target + "' with one head zeroed at token " + a.position())
                            .colorLabel("change").diverging(0, "clean " + Format.num(r.clean()));
                } else {
                    map.title("log-prob of '" + target + "' with one head zeroed at token " + a.position())
                            .colorLabel("log-prob").colormap(Colormaps.VIRIDIS);
                }
                s.draw(map, null);
            }
            s.lastResult(Result.of("ablate-grid", line, params, r, () -> SweepCsv.byLayerAndHead(r), NdData.rows(grid)));
            return;
        }
        double[] byLayer = a.layer() != null ? new double[] {r.records().get(0).logprob()} : r.byLayer();
        double[] layers = new double[byLayer.length];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = a.layer() != null ? a.layer() : i;
        }
        LinePlot plot = new LinePlot("log-prob of '" + target + "' with head " + a.head() + " zeroed at token " + a.position())
                .xLabel("layer").yLabel("log-prob").markers(true)
                .add(new LinePlot.Series("ablated", layers, byLayer)); // NaN and infinities break the line
        if (cleanFinite) {
            plot.referenceLine("clean", r.clean());
        }
        if (drawable) {
            s.draw(plot, null);
        }
        String csv = csvByLayer(r, a.layer());
        s.lastResult(Result.of("ablate", line, params, r, () -> csv, NdData.vector(byLayer)));
    }

    /** {@code layer,logprob,clean_logprob}, also when only one layer was ablated. */
    private static String csvByLayer(SweepResult r, Integer layer) {
        if (layer == null) {
            return SweepCsv.byLayer(r);
        }
        return "layer,logprob,clean_logprob\n" + layer + "," + r.records().get(0).logprob() + "," + r.clean() + "\n";
    }
}
