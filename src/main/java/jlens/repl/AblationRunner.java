package jlens.repl;

import java.util.List;
import java.util.Map;
import jlens.analysis.NdData;
import jlens.intervene.AblationSite;
import jlens.intervene.AblationSweep;
import jlens.intervene.SweepCsv;
import jlens.intervene.SweepOptions;
import jlens.intervene.SweepResult;
import jlens.intervene.SweepSpec;
import jlens.chart.ColorBy;
import jlens.chart.Colormaps;
import jlens.chart.Heatmap;
import jlens.chart.LinePlot;

/** {@code ablate}: builds the sweep, runs it with progress and Ctrl-C, prints and draws the result. */
final class AblationRunner {
    private AblationRunner() {}

    static void run(Session s, ProbeCommands.AblateSpec a) {
        var cfg = s.config();
        long[] ids = s.ids();
        SweepSpec spec;
        String line;
        if (a.head() == null) {
            if (a.layer() != null) {
                spec = SweepSpec.heads(cfg, ids, a.layer(), a.position());
            } else {
                spec = SweepSpec.grid(cfg, ids, a.position());
            }
            line = "ablate head all token " + a.position() + (a.layer() != null ? " layer " + a.layer() : "");
        } else if (a.layer() != null) {
            spec = SweepSpec.single(cfg, ids, a.layer(), a.head(), a.position());
            line = "ablate head " + a.head() + " token " + a.position() + " layer " + a.layer();
        } else {
            spec = SweepSpec.layers(cfg, ids, AblationSite.Z, a.head(), a.position());
            line = "ablate head " + a.head() + " token " + a.position();
        }
        String target = Format.visible(s.model().tokenizer().pieces(new long[] {spec.target()})[0]);
        s.println("zeroing hook_z" + (a.head() == null ? " of every head" : " of head " + a.head()) + " at token " + a.position() + ", "
                + spec.cases().size() + " case" + (spec.cases().size() == 1 ? "" : "s") + "; log-prob of the last token '" + target
                + "' predicted at position " + spec.predictAt() + " (Ctrl-C cancels)");
        ProgressMeter progress = new ProgressMeter(s, "ablate");
        SweepResult r;
        try {
            r = AblationSweep.run(s.model(), spec, SweepOptions.defaults().withProgress(progress).withCancel(s::cancelRequested));
        } finally {
            progress.done();
        }
        s.println("clean log-prob " + Format.num(r.clean()) + " (probability " + Format.num(Math.exp(r.clean())) + ")");
        // A grid has hundreds of cases: list the ten that move the log-prob most ('save FILE.csv' has them all).
        boolean ranked = r.records().size() > 40;
        TextTable table = new TextTable("layer", "head", "logprob", "prob", "delta");
        (ranked ? r.ranked().subList(0, 10) : r.records())
                .forEach(x -> table.row(x.layer(), x.head(), x.logprob(), Math.exp(x.logprob()), x.delta()));
        if (ranked) {
            s.println("the 10 of " + r.records().size() + " cases with the largest effect (delta = ablated - clean):");
        }
        s.out().print(table);
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
            Heatmap map = new Heatmap(grid).title("log-prob of '" + target + "' with one head zeroed (clean " + Format.num(r.clean()) + ")")
                    .rowLabels(rows).xLabel("head").yLabel("layer").colormap(Colormaps.MAGMA).colorLabel("log-prob").originBottom(true);
            s.draw(map, null, Math.max(s.settings().height(), grid.length / 2 + 8));
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
                .colorBy(new ColorBy(Colormaps.MAGMA, 0, Math.max(1, cfg.nLayer() - 1), "layer"))
                .add(new LinePlot.Series("ablated", layers, byLayer)).referenceLine("clean", r.clean());
        s.draw(plot, null);
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
