package jlens.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jlens.analysis.DirectLogitAttribution;
import jlens.analysis.LogitLens;
import jlens.analysis.Metric;
import jlens.intervene.EdgeAttribution;
import jlens.intervene.PathPatching;
import jlens.intervene.Patch;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchResult;
import jlens.intervene.PatchSpec;
import jlens.intervene.SweepOptions;
import jlens.model.Gpt2;

/**
 * The circuit tools' timings for {@link Bench}: activation patching of {@code resid_pre} (every layer x position)
 * and of every head ({@code hook_z} at all positions), the logit lens and direct logit attribution. The clean
 * prompt is the bench's text, the corrupted one the same text with its second token changed, so the two differ from
 * position 1 on; the metric is {@code logit[" Mary"] - logit[" John"]} at the last position. The baseline is
 * TransformerLens's {@code get_act_patch_*} loop, one full forward per cell: cells x the baseline's forward time.
 */
final class CircuitBench {
    /** " Mary", " John", and the second token's replacement " you". */
    private static final long MARY = 5335;
    private static final long JOHN = 1757;
    private static final long OTHER = 345;

    /** Positions the REPL's top-token table shows at 80 columns. */
    private static final int LENS_COLUMNS_AT_80 = 6;

    private CircuitBench() {}

    /** The bench's corrupted text: the second token changed, so the two differ from position 1 on. */
    private static long[] corrupted(long[] ids) {
        long[] corrupt = ids.clone();
        corrupt[1] = ids[1] == OTHER ? OTHER + 1 : OTHER;
        return corrupt;
    }

    private static Metric metric(Gpt2 model) {
        return Metric.logitDiff(Math.min(MARY, model.config().vocabSize() - 1), Math.min(JOHN, model.config().vocabSize() - 2), -1);
    }

    /**
     * Adds circuit discovery's timings, one run each after a warm-up (one EAP pass, one path grid): {@code path_s} (every
     * sender head to the final residual; {@code path_senders}), {@code edges_exact_s} ({@code edges_n} edges of EAP-IG's
     * graph; left out with {@code exact} false, {@code --edges-exact false}), {@code edges_eap_s} and {@code edges_eap_ig_s} ({@code edges_eap_ig_steps} steps), and the last two in
     * jlens's own forward passes ({@code edges_eap_forwards}, {@code edges_eap_ig_forwards}) against
     * {@code graph_forward_s}, a forward pass timed between them. The baseline: one PyTorch forward per sender or edge.
     */
    static void measureGraph(Gpt2 model, long[] ids, int steps, boolean exact, Map<String, Object> out) {
        List<PatchSpec> pair = List.of(new PatchSpec(ids, corrupted(ids), PatchKind.HEADS, metric(model)));
        SweepOptions patching = SweepOptions.patching();
        EdgeAttribution.eap(model, List.of(), pair, SweepOptions.defaults()); // warm-up: the gradient pass's shapes
        PathPatching.toFinal(model, List.of(), pair.get(0), patching); // and the fast path's
        PathPatching.Grid[] grid = new PathPatching.Grid[1];
        out.put("path_s", round(once(() -> grid[0] = PathPatching.toFinal(model, List.of(), pair.get(0), patching)), 3));
        out.put("path_senders", grid[0].raw().length);
        if (exact) { // every edge run on its own: the longest stage by far on a GPT-2-sized model
            EdgeAttribution.Scores[] s = new EdgeAttribution.Scores[1];
            out.put("edges_exact_s", round(once(() -> s[0] = EdgeAttribution.exact(model, List.of(), pair, patching)), 3));
            out.put("edges_n", s[0].scores().length);
        }
        Runnable forward = () -> Bench.forward(model, ids);
        List<Double> passes = new ArrayList<>();
        double eap = medianBeside(1, () -> EdgeAttribution.eap(model, List.of(), pair, SweepOptions.defaults()), forward, passes);
        double ig = medianBeside(1, () -> EdgeAttribution.eapIg(model, List.of(), pair, steps, SweepOptions.defaults()), forward, passes);
        double pass = median(passes.stream().mapToDouble(Double::doubleValue).toArray());
        out.put("edges_eap_s", round(eap, 3));
        out.put("edges_eap_ig_s", round(ig, 3));
        out.put("edges_eap_ig_steps", steps);
        out.put("graph_forward_s", round(pass, 4));
        out.put("edges_eap_forwards", round(eap / pass, 2));
        out.put("edges_eap_ig_forwards", round(ig / pass, 2));
    }

    /** Adds {@code patch_resid_pre_s} and {@code patch_heads_s} with their cell counts. */
    static void measurePatching(Gpt2 model, long[] ids, Map<String, Object> out) {
        long[] corrupt = corrupted(ids);
        Metric metric = metric(model);
        for (PatchKind kind : new PatchKind[] {PatchKind.RESID_PRE, PatchKind.HEADS}) {
            String name = kind.equals(PatchKind.RESID_PRE) ? "patch_resid_pre" : "patch_heads";
            PatchResult[] r = new PatchResult[1];
            double s = once(() -> r[0] = Patch.run(model, new PatchSpec(ids, corrupt, kind, metric)));
            out.put(name + "_s", round(s, 3));
            out.put(name + "_cells", r[0].raw().length);
            out.put(name + "_computed_cells", r[0].computed());
        }
    }

    /**
     * Adds {@code lens_s}, {@code lens_all_positions_s} and {@code dla_s}, and their cost in forward passes
     * ({@code lens_forwards}, {@code dla_forwards}) against {@code readout_forward_s}: a forward pass timed between
     * their runs. The bench's own {@code forward_s} is taken minutes earlier, before the patching grids, and a
     * shared host's speed drifts by a fifth and more over minutes (0.59-0.74 s at the start, 0.63-0.77 s here, in
     * the same three runs), so a cost in passes divides by passes timed alongside.
     */
    static void measureReadouts(Gpt2 model, long[] ids, int runs, Map<String, Object> out) {
        int target = ids.length >= 2 ? -2 : -1;
        // `lens` at an 80-column terminal: the table's 6 positions up to the read-out one; and with --all
        int at = ids.length + target;
        int from = Math.max(0, at - LENS_COLUMNS_AT_80 + 1);
        Runnable forward = () -> Bench.forward(model, ids);
        List<Double> passes = new ArrayList<>();
        double lens = medianBeside(runs, () -> LogitLens.compute(model, ids, target, ids[ids.length - 1], from, at), forward, passes);
        double all = medianBeside(runs, () -> LogitLens.compute(model, ids, target, ids[ids.length - 1]), forward, passes);
        double dla = medianBeside(runs, () -> DirectLogitAttribution.compute(model, ids, target, ids[ids.length - 1], -1), forward, passes);
        double pass = median(passes.stream().mapToDouble(Double::doubleValue).toArray());
        out.put("lens_s", round(lens, 4));
        out.put("lens_all_positions_s", round(all, 4));
        out.put("dla_s", round(dla, 4));
        out.put("readout_forward_s", round(pass, 4));
        out.put("lens_forwards", round(lens / pass, 3));
        out.put("dla_forwards", round(dla / pass, 3));
    }

    /**
     * Median wall time of {@code runs} calls of {@code task} after one untimed warm-up call, each followed by a
     * timed call of {@code reference}, whose times are added to {@code referenceTimes}.
     */
    static double medianBeside(int runs, Runnable task, Runnable reference, List<Double> referenceTimes) {
        task.run();
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
            times[i] = once(task);
            referenceTimes.add(once(reference));
        }
        return median(times);
    }

    static double median(double[] times) {
        double[] t = times.clone();
        java.util.Arrays.sort(t);
        int n = t.length;
        return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    }

    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }

    /** Wall time of one call: a grid on a large model takes minutes, and its cells are its repetitions. */
    static double once(Runnable task) {
        long t = System.nanoTime();
        task.run();
        return (System.nanoTime() - t) / 1e9;
    }
}
