package jlens.repl;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import jlens.analysis.HeadSplit;
import jlens.analysis.QkvPart;
import jlens.analysis.QkvSplit;
import jlens.analysis.QkvSplitter;
import jlens.hook.HookPoint;

/** {@code split qkv} and {@code split heads}: the notebook's views of a layer's c_attn output. */
final class SplitCommands {
    private SplitCommands() {}

    static Command command() {
        return new Command("split", "split qkv [LAYER] [--pos0] | split heads [LAYER] [q|k|v] [--pos0]",
                "split a layer's c_attn output into Q, K, V, or one of them into heads (shapes)",
                """
                'split qkv [LAYER]' splits the captured c_attn output of the layer ([T, 3*d_model]) into Q,
                K and V ([T, d_model] each) and prints their shapes, as the notebook's demo 1 does.
                'split heads [LAYER] [q|k|v]' splits Q (or K, V) into heads and prints the number of heads
                and each head's shape ([T, d_head]), as demo 3 does. LAYER defaults to the last layer named
                (see 'set layer'). Needs 'hook layer N' (or 'hook layer all') and 'run' first.
                'save FILE.npy' afterwards writes the split array.
                Examples:
                  text "The cat sat on the mat. The cat sat on the mat."
                  hook layer all
                  run
                  split qkv 1
                  split heads 1 q""",
                (s, before) -> before.isEmpty() ? List.of("qkv", "heads")
                        : before.size() == 1 ? Completions.layers(s, false)
                        : before.get(0).equals("heads") && before.size() == 2 ? List.of("q", "k", "v") : List.of(),
                SplitCommands::split);
    }

    private static void split(Session s, Args a) {
        String what = a.next("qkv or heads");
        int nLayer = s.workspace().config().nLayer();
        boolean heads;
        if (what.equalsIgnoreCase("qkv")) {
            heads = false;
        } else if (what.equalsIgnoreCase("heads")) {
            heads = true;
        } else {
            throw new UserError("split takes qkv or heads, not '" + what + "'; usage: " + a.usage());
        }
        int layer = s.settings().layer();
        boolean keep0 = a.flag("--pos0");
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
        s.workspace().activation(HookPoint.block(layer, HookPoint.QKV)); // says what to hook and run when it is missing
        s.settings().layer(layer);
        int first = keep0 || s.settings().includePos0() ? 0 : 1;
        var cfg = s.workspace().config();
        QkvSplit split = QkvSplitter.split(s.workspace().cache(), cfg, layer, first);
        int t = split.tokens();
        int c = split.dModel();
        if (!heads) {
            s.println("layer " + layer + " c_attn output " + Format.shape(new long[] {t, 3L * c}) + " -> Q " + Format.shape(new long[] {t, c})
                    + ", K " + Format.shape(new long[] {t, c}) + ", V " + Format.shape(new long[] {t, c}));
            s.println("analyses use " + Format.shape(new long[] {split.positions(), c}) + " each: " + Positions.note(first));
            sayNonFinite(s, split);
            s.lastResult(Result.of("split-qkv", "split qkv " + layer, Map.of("layer", layer, "first_position", first), split));
        } else {
            QkvPart p = QkvPart.valueOf(part.toUpperCase(Locale.ROOT));
            HeadSplit hs = QkvSplitter.heads(split, p, cfg.nHead());
            s.println("layer " + layer + " " + part.toUpperCase(Locale.ROOT) + " " + Format.shape(new long[] {t, c}) + " -> "
                    + hs.nHead() + " heads of " + Format.shape(new long[] {hs.positions(), hs.dHead()}) + " (d_head "
                    + hs.dHead() + "); 'save FILE.npy' writes "
                    + Format.shape(new long[] {hs.nHead(), hs.positions(), hs.dHead()}) + "; " + Positions.note(first));
            for (int h = 0; h < hs.nHead(); h++) {
                s.println("  head " + h + ": " + Format.shape(new long[] {hs.positions(), hs.dHead()}));
            }
            sayNonFinite(s, hs);
            s.lastResult(Result.of("split-heads", "split heads " + layer + " " + part, Map.of("layer", layer, "part", part,
                    "first_position", first), hs));
        }
    }

    /** The split's values are the activations as they are: NaN and infinities are kept, and said. */
    private static void sayNonFinite(Session s, jlens.analysis.AnalysisResult r) {
        if (!r.undefinedNote().isEmpty()) {
            s.println("not finite (kept as they are, nan/inf in 'save'): " + r.undefinedNote());
        }
    }
}
