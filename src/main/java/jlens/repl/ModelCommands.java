package jlens.repl;

import java.util.List;
import jlens.model.Gpt2Config;

/** {@code load} and {@code model}: which GPT-2 the session looks at. */
final class ModelCommands {
    private ModelCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("load", "load NAME|DIR [--process tl] | load GRAPH.json",
                        "load a GPT-2 (gpt2 ... gpt2-xl, a Hugging Face repo id, a folder), or an EAP-IG graph file",
                        """
                        Loads a GPT-2 and makes it the session's model. NAME is gpt2, gpt2-medium, gpt2-large,
                        gpt2-xl, known (the bundled known-answer model with hand-set circuits; 'demo' is its
                        older name) or a Hugging Face repo id (org/name); DIR is a
                        folder with config.json, model.safetensors and tokenizer.json. The text is kept and
                        tokenised again; captured activations are dropped. The prompt set is made again from what
                        it was made from (its file read again, 'ioi N seed S' generated again) and checked against
                        the new tokenizer and context; if it no longer fits, it is dropped, and a line says which.
                        If loading fails, the model that was loaded stays loaded. A download shows progress;
                        Ctrl-C cancels it.
                        --process tl processes the weights as TransformerLens's from_pretrained does by default
                        (fold_ln, center_writing_weights, center_unembed, fold_value_biases): the model SAEs for
                        GPT-2 were trained on. Log-probs are unchanged (logits move by a constant per position),
                        the residual stream loses its mean, and dla reports TransformerLens's default components.
                        Without it the weights are the checkpoint's own (the notebook's numbers). 'model' says
                        which is in force.
                        A FILE.json is a graph file in EAP-IG's Graph.to_json layout (written by 'save' after
                        'edges' or 'circuit', or by EAP-IG's Python) for the loaded model: its scores become the
                        edge scores 'circuit' chooses from, and its edges in the graph the current circuit.
                        Examples:
                          load gpt2-large
                          load gpt2 --process tl
                          load ./models/my-gpt2""",
                        (s, before) -> before.isEmpty() ? List.of("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "known", Completions.FILES)
                                : before.get(before.size() - 1).equals("--process") ? List.of("tl", "none") : List.of("--process"),
                        (s, a) -> {
                            List<String> process = a.option("--process", 1);
                            String spec = a.next("a model name or folder");
                            a.end();
                            if (spec.endsWith(".json") && process == null) { // a graph file: models are folders and names
                                GraphCommands.load(s, spec);
                                return;
                            }
                            jlens.model.Gpt2Processing p;
                            try {
                                p = process == null ? jlens.model.Gpt2Processing.NONE : jlens.model.Gpt2Processing.parse(process.get(0));
                            } catch (IllegalArgumentException e) {
                                throw new UserError(e.getMessage());
                            }
                            java.util.Optional<String> prompts = s.load(spec, p);
                            s.println(describe(s, true));
                            prompts.ifPresent(s::println);
                        }),
                new Command("model", "model", "show the loaded model: layers, heads, d_model, d_head, device, dtype",
                        """
                        Prints the loaded model's name, layer count, head count, d_model, d_head, sqrt(d_head)
                        (the attention scale), vocabulary size, context length, device, dtype and which
                        weights it runs (unprocessed, or TransformerLens-processed: 'load NAME --process tl').
                        Example:
                          model""",
                        Command.ArgCompleter.NONE,
                        (s, a) -> {
                            a.end();
                            s.println(describe(s, false));
                        }));
    }

    /** The model whose note (what is wired where) each session has shown already: the banner or load did. */
    private static final java.util.Map<Session, Object> NOTE_SHOWN =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** Records that {@code s} has shown its model's note, so {@code model} does not print it again. */
    static void noteShown(Session s) {
        if (s.workspace().hasModel()) {
            NOTE_SHOWN.put(s, s.workspace().model());
        }
    }

    /** The model line, and its note unless it was shown for this model already (when {@code always}: shown). */
    static String describe(Session s, boolean always) {
        boolean shown = !always && s.workspace().hasModel() && NOTE_SHOWN.get(s) == s.workspace().model();
        String text = describe(s);
        noteShown(s);
        return shown && s.workspace().modelNote() != null ? text.substring(0, text.length() - s.workspace().modelNote().length() - 1) : text;
    }

    static String describe(Session s) {
        Gpt2Config c = s.workspace().config();
        StringBuilder b = new StringBuilder();
        b.append(s.workspace().modelName()).append(": ").append(c.nLayer()).append(" layers, ").append(c.nHead()).append(" heads, d_model ")
                .append(c.nEmbd()).append(", d_head ").append(c.dHead()).append(" (scale sqrt(d_head) = ")
                .append(Format.num(Math.sqrt(c.dHead()))).append("), vocabulary ").append(c.vocabSize()).append(", context ")
                .append(c.nPositions()).append(", ").append(s.workspace().model().device()).append(", ")
                .append(s.workspace().model().dtype().toString().toLowerCase(java.util.Locale.ROOT)).append(", ")
                .append(s.workspace().model().processing().describe());
        if (s.workspace().modelNote() != null) {
            b.append('\n').append(s.workspace().modelNote());
        }
        return b.toString();
    }
}
