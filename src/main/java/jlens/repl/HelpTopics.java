package jlens.repl;

import java.util.List;
import java.util.Optional;

/**
 * The pages {@code help} shows that are not one command's: {@code help start} (what the bundled model is, and the
 * tour) and {@code help workflow} (from a text to a circuit). Indented lines that start with a command are examples,
 * run as shown by the tests, as every command's are.
 */
final class HelpTopics {
    private HelpTopics() {}

    /**
     * A help page of its own.
     *
     * @param name    the word after {@code help}
     * @param summary one line for the listing
     */
    record Topic(String name, String summary) {}

    static final List<Topic> TOPICS = List.of(
            new Topic("start", "the bundled known-answer model and the tour (shown at the first start)"),
            new Topic("workflow", "from a text to a circuit: the commands in the order a study takes them"));

    static Optional<Topic> find(String word) {
        return TOPICS.stream().filter(t -> t.name().equalsIgnoreCase(word)).findFirst();
    }

    /** The page's text, as {@code help NAME} prints it (reflowed and wrapped there). */
    static String text(Topic t, Session s) {
        return switch (t.name()) {
            case "start" -> start(s);
            case "workflow" -> WORKFLOW;
            default -> throw new IllegalStateException(t.name());
        };
    }

    /** The start screen: what the bundled model is, and where to begin. */
    static String start(Session s) {
        boolean known = s.workspace().hasModel() && s.workspace().circuits().isPresent();
        return (known
                ? "New to jlens? The model above is the known-answer model that comes with jlens: a GPT-2 whose heads are"
                        + " each set by hand to do one job, so every chart has an answer known before you look.\n"
                : "New to jlens? It comes with a known-answer model too: a GPT-2 of 3 layers and 3 heads, each head set by"
                        + " hand to do one job, so every chart has an answer known before you look ('load known').\n")
                + """
                  tour             a walk through it, one command a step
                  help workflow    from a text to a circuit, in order
                  help             every command ('help NAME': one, with examples)
                This screen again: 'help start'.""" + (known ? " Real GPT-2: 'load gpt2' (downloaded once)." : "");
    }

    static final String WORKFLOW = """
            From a text to a circuit, in order; the lines run as written on the known-answer model ('load known'),
            on GPT-2 choose your own text, layers and heads:
              text "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog."
              logprobs                      # does it predict the answer? (at -2: ".")
              detect induction              # every head scored for a pattern; 1.2 on top
              pattern 1 2                   # that head: queries down, keys across
              ablate head 2 token -2        # zeroed at a token, layer by layer
            Which path carries the answer (patching needs a corrupted prompt and a metric):
              corrupt "The quick brown fox jumps over the lazy cat. The quick brown fox jumps over the lazy dog."
              metric logprob "." pos -2     # the number a patch should restore
              patch heads                   # 1: the head's clean output restores it
              dla -2                        # each head's share of the answer's logit
              lens                          # the prediction after each layer
              steer " cat" - " dog" layer 1 coeff 1 all
              generate 4                    # the continuation with it in force ('unsteer' ends it)
            'save FILE' writes any result (.csv .npy .json; charts .txt .png .svg). Over many prompts: 'prompts
            examples/known-prompts.jsonl' (on GPT-2 'prompts ioi 50'), then 'logprobs set', 'patch heads set'.""";
}
