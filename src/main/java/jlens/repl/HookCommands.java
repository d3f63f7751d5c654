package jlens.repl;

import java.util.ArrayList;
import java.util.List;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;

/** {@code hook}, {@code unhook}, {@code hooks} and {@code run}: what is captured, and the pass that captures it. */
final class HookCommands {
    private HookCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("hook", "hook layer N|all | hook NAME...",
                        "capture activations on the next run: c_attn (Q|K|V) of a layer, or any hook point",
                        """
                        Chooses what the next 'run' captures. 'hook layer N' captures the fused c_attn output of
                        layer N (blocks.N.attn.hook_qkv, [T, 3*d_model]: Q, K and V side by side, the notebook's
                        hook); 'hook layer all' does it for every layer. 'hook NAME...' captures any hook point by
                        its TransformerLens name or short form (q5 = blocks.5.attn.hook_q, pattern -1, resid_pre 3).
                        Negative layers count from the end. 'hooks all' lists every name.
                        Examples:
                          hook layer all
                          hook layer 1
                          hook blocks.1.attn.hook_z q1
                          hook pattern -1""",
                        (s, before) -> before.isEmpty() ? concat(List.of("layer"), Completions.hookNames(s))
                                : before.get(0).equals("layer") && before.size() == 1 ? Completions.layers(s, true)
                                : Completions.hookNames(s),
                        HookCommands::hook),
                new Command("unhook", "unhook [NAME...]", "stop capturing: all hook points, or the ones named",
                        """
                        Removes hook points from the capture list: all of them, or those named (exact or short
                        names, or 'layer N' for a layer's c_attn). The last run's activations stay until the next
                        run.
                        Examples:
                          hook layer all
                          hook q1
                          unhook q1
                          unhook""",
                        (s, before) -> s.workspace().captured(),
                        (s, a) -> {
                            List<String> specs = new ArrayList<>();
                            while (a.hasNext()) {
                                if (a.accept("layer")) {
                                    specs.add(HookPoint.block(a.nextIndex("layer", s.workspace().config().nLayer(), "the model has "
                                            + s.workspace().config().nLayer() + " layers"), HookPoint.QKV));
                                } else {
                                    specs.add(nextName(a));
                                }
                            }
                            List<String> removed = s.workspace().uncapture(specs);
                            s.println(removed.isEmpty() ? "no hooks were set" : "removed " + removed.size() + " hook"
                                    + (removed.size() == 1 ? "" : "s") + "; " + s.workspace().captured().size() + " left");
                        }),
                new Command("hooks", "hooks [all]", "list the hooked points (and what the last run captured); 'hooks all' lists every name",
                        """
                        Lists the hook points the next run captures, with the shape each has for the current text,
                        and what the last run holds. 'hooks all' lists every hook point of the model with its
                        short form.
                        Examples:
                          hooks
                          hooks all""",
                        (s, before) -> before.isEmpty() ? List.of("all") : List.of(),
                        HookCommands::list),
                new Command("run", "run",
                        "run the text through the model, capturing the hooked points (Ctrl-C stops it)",
                        """
                        One forward pass of the text. It captures every hooked point into the session's cache
                        (replacing the last run's) and keeps the logits. The capture must fit the budget
                        ('set budget 4G'). Ctrl-C stops it between layers; the hooks never outlive the pass.
                        Example:
                          text "The cat sat on the mat. The cat sat on the mat."
                          hook layer all
                          run""",
                        Command.ArgCompleter.NONE,
                        (s, a) -> {
                            a.end();
                            long start = System.nanoTime();
                            Gpt2.Run run = s.workspace().run(List.of());
                            long ms = (System.nanoTime() - start) / 1_000_000;
                            ActivationCache c = run.cache();
                            s.println("ran " + s.workspace().ids().length + (s.workspace().ids().length == 1 ? " token" : " tokens") + " through " + s.workspace().modelName() + " in " + ms + " ms; captured "
                                    + c.size() + " hook point" + (c.size() == 1 ? "" : "s") + " (" + Format.bytes(c.bytes()) + ")"
                                    + (c.size() == 0 ? "; 'hook layer all' first to capture Q/K/V" : ""));
                        }));
    }

    /** A hook name; a short form's layer may follow it as a word of its own ({@code pattern -1}, {@code resid_pre 3}). */
    private static String nextName(Args a) {
        String name = a.next("a hook name");
        if (a.hasNext() && a.peek().matches("-?[0-9]+") && !name.matches(".*[0-9]")) {
            return name + " " + a.next("a layer");
        }
        return name;
    }

    private static void hook(Session s, Args a) {
        List<String> specs = new ArrayList<>();
        int nLayer = s.workspace().config().nLayer();
        if (!a.hasNext()) {
            throw new UserError("missing what to hook; usage: " + a.usage() + " (for example: hook layer all)");
        }
        while (a.hasNext()) {
            if (a.accept("layer")) {
                if (a.accept("all")) {
                    for (int l = 0; l < nLayer; l++) {
                        specs.add(HookPoint.block(l, HookPoint.QKV));
                    }
                } else {
                    int l = a.nextIndex("layer", nLayer, "the model has " + nLayer + " layers");
                    specs.add(HookPoint.block(l, HookPoint.QKV));
                }
            } else {
                specs.add(nextName(a));
            }
        }
        int before = s.workspace().captured().size();
        List<String> names = s.workspace().capture(specs);
        int added = s.workspace().captured().size() - before;
        String what = names.size() <= 3 ? String.join(", ", names) : names.get(0) + " ... " + names.get(names.size() - 1);
        s.println("hooked " + what + " (" + added + " new, " + s.workspace().captured().size() + " in all); 'run' captures them");
    }

    private static void list(Session s, Args a) {
        if (a.accept("all")) {
            a.end();
            int nLayer = s.workspace().config().nLayer();
            TextTable t = new TextTable("name", "short", "shape");
            for (String name : HookPoint.all(nLayer)) {
                if (HookPoint.layerOf(name) > 0) {
                    continue; // one layer shows the pattern
                }
                t.row(name.replace("blocks.0.", "blocks.L."), shortName(name), shapeFor(s, name));
            }
            s.out().print(t);
            s.println("  L is 0.." + (nLayer - 1) + " (negative counts from the end); short forms take the layer: q5, pattern -1");
            return;
        }
        a.end();
        List<String> hooked = s.workspace().captured();
        if (hooked.isEmpty()) {
            s.println("no hooks set; 'hook layer all' captures Q/K/V of every layer ('hooks all' lists every name)");
        } else {
            TextTable t = new TextTable("hooked", "shape");
            for (String name : hooked) {
                t.row(name, shapeFor(s, name));
            }
            s.out().print(t);
        }
        if (s.workspace().hasRun()) {
            ActivationCache c = s.workspace().cache();
            s.println("last run holds " + c.size() + " activation" + (c.size() == 1 ? "" : "s") + " (" + Format.bytes(c.bytes()) + ")");
        }
    }

    private static String shapeFor(Session s, String name) {
        int t = s.workspace().hasText() ? s.workspace().ids().length : 0;
        var c = s.workspace().config();
        long[] shape = HookPoint.shape(name, 1, Math.max(t, 1), c.nHead(), c.nEmbd(), c.vocabSize());
        String text = Format.shape(shape);
        return t == 0 ? text.replace(", 1,", ", T,").replace(", 1]", ", T]") : text;
    }

    private static String shortName(String name) {
        String point = HookPoint.pointOf(name);
        return switch (point) {
            case HookPoint.QKV -> "qkv L";
            case HookPoint.Q -> "q L";
            case HookPoint.K -> "k L";
            case HookPoint.V -> "v L";
            case HookPoint.Z -> "z L";
            case HookPoint.PATTERN -> "pattern L";
            case HookPoint.ATTN_SCORES -> "scores L";
            case HookPoint.RESID_PRE -> "resid_pre L";
            case HookPoint.RESID_MID -> "resid_mid L";
            case HookPoint.RESID_POST -> "resid_post L";
            case HookPoint.ATTN_OUT -> "attn_out L";
            case HookPoint.MLP_OUT -> "mlp_out L";
            case HookPoint.MLP_PRE -> "pre L";
            case HookPoint.MLP_POST -> "post L";
            case HookPoint.LN1 -> "ln1 L";
            case HookPoint.LN2 -> "ln2 L";
            case HookPoint.EMBED -> "embed";
            case HookPoint.POS_EMBED -> "pos_embed";
            case HookPoint.LN_FINAL -> "ln_final";
            case HookPoint.LOGITS -> "logits";
            default -> "";
        };
    }

    /** Block point {@code point}'s exact name in every layer of the loaded model. */
    static List<String> everyLayer(Session s, String point) {
        List<String> out = new java.util.ArrayList<>();
        for (int l = 0; l < s.workspace().config().nLayer(); l++) {
            out.add(HookPoint.block(l, point));
        }
        return out;
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
