package jlens.repl;

import java.util.List;
import jlens.hook.HookPoint;

/** {@code split qkv} and {@code split heads}: the notebook's views of a layer's c_attn output. */
final class SplitCommands {
    private SplitCommands() {}

    static Command command() {
        return new Command("split", "split qkv [LAYER] | split heads [LAYER] [q|k|v]",
                "split a layer's c_attn output into Q, K, V, or one of them into heads (shapes)",
                """
                'split qkv [LAYER]' splits the captured c_attn output of the layer ([T, 3*d_model]) into Q,
                K and V ([T, d_model] each) and prints their shapes, as the notebook's demo 1 does.
                'split heads [LAYER] [q|k|v]' splits Q (or K, V) into heads and prints the number of heads
                and each head's shape ([T, d_head]), as demo 3 does. LAYER defaults to the last layer named
                (see 'set layer'). Needs 'hook layer N' (or 'hook layer all') and 'run' first.
                'save FILE.npy' afterwards writes the split array.
                Examples:
                  split qkv 5
                  split heads 9 q""",
                (s, before) -> before.isEmpty() ? List.of("qkv", "heads")
                        : before.size() == 1 ? Completions.layers(s, false)
                        : before.get(0).equals("heads") && before.size() == 2 ? List.of("q", "k", "v") : List.of(),
                SplitCommands::split);
    }

    private static void split(Session s, Args a) {
        String what = a.next("qkv or heads");
        int nLayer = s.config().nLayer();
        boolean heads;
        if (what.equalsIgnoreCase("qkv")) {
            heads = false;
        } else if (what.equalsIgnoreCase("heads")) {
            heads = true;
        } else {
            throw new UserError("split takes qkv or heads, not '" + what + "'; usage: " + a.usage());
        }
        int layer = s.settings().layer();
        if (a.hasNext() && !a.peek().matches("(?i)[qkv]")) {
            layer = a.nextIndex("layer", nLayer, "the model has " + nLayer + " layers");
        }
        String part = "q";
        if (heads && a.hasNext()) {
            part = a.next("q, k or v").toLowerCase(java.util.Locale.ROOT);
            if (!part.matches("[qkv]")) {
                throw new UserError("split heads takes q, k or v, not '" + part + "'");
            }
        }
        a.end();
        String hook = HookPoint.block(layer, HookPoint.QKV);
        long[] shape = s.activation(hook).getShape().getShape(); // [1, T, 3C]
        s.settings().layer(layer);
        long t = shape[1];
        long c = shape[2] / 3;
        var cfg = s.config();
        if (!heads) {
            s.println("layer " + layer + " c_attn output " + Format.shape(new long[] {t, 3 * c}) + " -> Q " + Format.shape(new long[] {t, c})
                    + ", K " + Format.shape(new long[] {t, c}) + ", V " + Format.shape(new long[] {t, c}));
        } else {
            s.println("layer " + layer + " " + part.toUpperCase(java.util.Locale.ROOT) + " " + Format.shape(new long[] {t, c}) + " -> "
                    + cfg.nHead() + " heads of " + Format.shape(new long[] {t, cfg.dHead()}) + " (d_head " + cfg.dHead() + ")");
            for (int h = 0; h < cfg.nHead(); h++) {
                s.println("  head " + h + ": " + Format.shape(new long[] {t, cfg.dHead()}));
            }
        }
        Result.NdData whole = SaveCommand.activation(s, hook);
        s.lastResult(new Result(heads ? "split-heads" : "split-qkv", "split " + what + " " + layer,
                java.util.Map.of("layer", layer, "part", heads ? part : "qkv"), null, whole));
    }
}
