package jlens.repl;

import java.util.List;

/** {@code logprobs}, {@code pattern} and {@code ablate}: demo 3 and the attention patterns. */
final class ProbeCommands {
    private ProbeCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("logprobs", "logprobs [POS]", "log-softmax over the vocabulary at a position, the real next token marked",
                        """
                        The log-probabilities the model gives every vocabulary token at position POS (default -2,
                        the prediction of the last token), plotted against token id with the real next token
                        marked, and the top tokens listed: demo 3 step 2. Runs the text if needed.
                        Examples:
                          logprobs
                          logprobs 5
                          save logprobs.csv""",
                        (s, before) -> before.isEmpty() ? Completions.positions(s) : List.of(),
                        ProbeCommands::logprobs),
                new Command("pattern", "pattern LAYER [HEAD]", "attention pattern of a layer's heads with token labels",
                        """
                        The attention pattern (softmax of the causal scores) of one head, or of every head of
                        the layer as small multiples, queries down and keys across, labelled with the tokens.
                        Runs the text if needed. In 'view', the arrow keys move between heads.
                        Examples:
                          pattern 1 2
                          pattern -1""",
                        (s, before) -> before.isEmpty() ? Completions.layers(s, false) : before.size() == 1 ? Completions.heads(s, false) : List.of(),
                        ProbeCommands::pattern),
                new Command("ablate", "ablate head H|all token P [layer N|all]",
                        "zero head H at token P, layer by layer: log-prob of the last token vs the clean run",
                        """
                        Demo 3: sets head H's output (hook_z) at position P to zero, one layer at a time (or only
                        'layer N'), and records the log-probability of the text's last token predicted at
                        position -2. Draws it against layer with the clean value as a dashed line, and prints a
                        table with probabilities. 'head all' sweeps every layer x head and draws a grid.
                        Shows progress; Ctrl-C cancels.
                        Examples:
                          ablate head 4 token -2
                          ablate head 2 token -2 layer 1
                          ablate head all token -2
                          save ablation.csv""",
                        (s, before) -> before.isEmpty() ? List.of("head")
                                : before.size() == 1 ? Completions.heads(s, true)
                                : before.size() == 2 ? List.of("token")
                                : before.size() == 3 ? Completions.positions(s)
                                : before.size() == 4 ? List.of("layer")
                                : before.size() == 5 ? Completions.layers(s, true) : List.of(),
                        ProbeCommands::ablate));
    }

    private static void logprobs(Session s, Args a) {
        int t = s.ids().length;
        int pos = a.hasNext() ? a.nextIndex("position", t, "the text has " + t + " tokens") : Math.max(0, t - 2);
        a.end();
        throw Pending.missing("logprobs", "jlens.analysis");
    }

    private static void pattern(Session s, Args a) {
        var c = s.config();
        int layer = a.nextIndex("layer", c.nLayer(), "the model has " + c.nLayer() + " layers");
        Integer head = a.hasNext() ? a.nextIndex("head", c.nHead(), "the model has " + c.nHead() + " heads per layer") : null;
        a.end();
        s.ids();
        throw Pending.missing("pattern", "jlens.analysis");
    }

    /** What an ablate line asks for. */
    record AblateSpec(Integer head, int position, Integer layer) {}

    static AblateSpec parseAblate(Session s, Args a) {
        var c = s.config();
        if (!a.accept("head")) {
            throw new UserError(a.hasNext() ? "expected 'head', not '" + a.peek() + "'; usage: " + a.usage()
                    : "missing 'head H'; usage: " + a.usage());
        }
        Integer head = a.accept("all") ? null : a.nextIndex("head", c.nHead(), "the model has " + c.nHead() + " heads per layer");
        if (!a.accept("token")) {
            throw new UserError(a.hasNext() ? "expected 'token', not '" + a.peek() + "'; usage: " + a.usage()
                    : "missing 'token P'; usage: " + a.usage());
        }
        int t = s.ids().length;
        int position = a.nextIndex("token", t, "the text has " + t + " tokens");
        Integer layer = null;
        if (a.accept("layer")) {
            layer = a.accept("all") ? null : a.nextIndex("layer", c.nLayer(), "the model has " + c.nLayer() + " layers");
        }
        a.end();
        if (t < 2) {
            throw new UserError("ablation needs a text of at least 2 tokens (it predicts the last token at position -2)");
        }
        return new AblateSpec(head, position, layer);
    }

    private static void ablate(Session s, Args a) {
        AblateSpec spec = parseAblate(s, a);
        throw Pending.missing("ablate", "jlens.analysis sweeps");
    }
}
