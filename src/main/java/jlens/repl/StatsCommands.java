package jlens.repl;

import java.util.List;
import jlens.hook.HookPoint;

/** {@code hist}, {@code var} and {@code qkt}: demos 1 and 2 over the captured c_attn outputs. */
final class StatsCommands {
    private StatsCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("hist", "hist [LAYER|all] [--pos0]", "density histograms of Q, K and V: one layer, or all layers as heatmaps",
                        """
                        'hist LAYER' draws the density histograms of the layer's Q, K and V values (own range,
                        'set bins' bins, 100 by default), three series on one plot, as demo 1 step 3.
                        'hist all' bins every layer on common edges (100 bins on [-5, 5]) and draws three
                        layer x value heatmaps (magma, Q 0-0.4, K 0-0.3, V 0-0.7), as demo 1 step 5.
                        Position 0 is left out unless --pos0 or 'set pos0 on'. Needs 'hook layer all' and 'run'.
                        Examples:
                          hist 5
                          hist all
                          save hist5.csv""",
                        (s, before) -> before.isEmpty() ? HookCommands.concat(Completions.layers(s, true), List.of("--pos0")) : List.of("--pos0"),
                        StatsCommands::hist),
                new Command("var", "var [--pos0]", "per-layer variance of Q, K and V (table and line plot)",
                        """
                        The unbiased variance of Q, of K and of V for every layer (positions 1..T-1 unless
                        --pos0), as a table and a line plot against layer: demo 1 steps 4 and 6.
                        Needs 'hook layer all' and 'run'.
                        Examples:
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
        int nLayer = s.config().nLayer();
        return a.hasNext() ? a.nextIndex("layer", nLayer, "the model has " + nLayer + " layers") : s.settings().layer();
    }

    /** Checks that the layers' c_attn outputs were captured, before anything is computed. */
    static void requireQkv(Session s, Integer layer) {
        int nLayer = s.config().nLayer();
        if (layer != null) {
            s.activation(HookPoint.block(layer, HookPoint.QKV));
            return;
        }
        for (int l = 0; l < nLayer; l++) {
            String name = HookPoint.block(l, HookPoint.QKV);
            if (!s.cache().contains(name)) {
                throw new UserError("layer " + l + "'s c_attn output was not captured; 'hook layer all' then 'run'");
            }
        }
    }

    private static void hist(Session s, Args a) {
        int first = Positions.first(s, a);
        Integer layer = layerOrAll(s, a);
        a.end();
        requireQkv(s, layer);
        throw Pending.missing("hist", "jlens.analysis");
    }

    private static void variances(Session s, Args a) {
        int first = Positions.first(s, a);
        a.end();
        requireQkv(s, null);
        throw Pending.missing("var", "jlens.analysis");
    }

    private static void qkt(Session s, Args a) {
        int first = Positions.first(s, a);
        Integer layer = layerOrAll(s, a);
        a.end();
        requireQkv(s, layer);
        throw Pending.missing("qkt", "jlens.analysis");
    }
}
