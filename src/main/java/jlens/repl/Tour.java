package jlens.repl;

import java.util.List;

/**
 * {@code tour}: a walk through the known-answer model, one command a step. Each step says what to look for, runs its
 * command as if typed (echoed after the prompt), and waits: Enter at the prompt runs the next step, {@code q} leaves
 * the tour, and any other line runs as usual, so a step can be explored before going on. The steps are data: a new
 * one (circuits, features) is one entry in {@link #STEPS}.
 */
final class Tour {
    /**
     * One step of the tour.
     *
     * @param title   what the step shows, in a few words
     * @param command the one command line it runs, as a user would type it
     * @param lookFor what to look for in its output (printed before the output, so a chart below stays on screen)
     * @param setup   whether it sets what later steps need (the model, the text, the corrupted prompt, the metric,
     *                what is in force): a tour started at a later step runs it first
     */
    record Step(String title, String command, String lookFor, boolean setup) {
        Step(String title, String command, String lookFor) {
            this(title, command, lookFor, false);
        }
    }

    static final String TEXT = "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.";

    static final List<Step> STEPS = List.of(
            new Step("the known-answer model", "load known",
                    "A GPT-2 of 3 layers and 3 heads whose weights are set by hand: each head does one job, so every "
                            + "answer below is known before you look. The line under the model says what is wired where; "
                            + "heads are written LAYER.HEAD (1.2: layer 1, head 2).", true),
            new Step("a text that repeats", "text \"" + TEXT + "\"",
                    "The sentence comes twice. The token strip numbers each token from the front (0, 1, ...) and "
                            + "from the back (-1 is the last); the second half can be predicted by copying the first.", true),
            new Step("the previous-token head", "pattern 0 1",
                    "Layer 0, head 1: queries down, keys across. Each row's bright cell sits one left of the "
                            + "diagonal: every token looks at the token before it."),
            new Step("every head scored", "detect induction",
                    "Each head's share of attention on the induction pattern (the token after an earlier copy of "
                            + "this one). 1.2 ranks first by far: it reads what 0.1 wrote."),
            new Step("knock a head out", "ablate head 2 token -2",
                    "Head 2 zeroed at token -2 (the second \" dog\"), one layer at a time: the log-prob of the last "
                            + "token \".\" stays near 0 in layer 0 and collapses in layer 1, where 1.2 lives."),
            new Step("a corrupted prompt", "corrupt \"" + TEXT.replaceFirst(" dog\\.", " cat.") + "\"",
                    "Patching needs a second prompt of as many tokens: here the first \" dog\" becomes \" cat\", so "
                            + "nothing earlier says that \".\" follows \" dog\". The line shows where the two differ.", true),
            new Step("what to measure", "metric logprob \".\" pos -2",
                    "The number patching reads: log p(\".\") at position -2, where the second \" dog\" predicts it.", true),
            new Step("activation patching", "patch heads",
                    "Each head's clean output patched into the corrupted run, the metric normalised: 1 restores the "
                            + "clean answer, 0 changes nothing. 0.1 and 1.2 are near 1: they are the circuit."),
            new Step("direct logit attribution", "dla -2",
                    "What each head writes straight into the logit of \".\" at -2: 1.2 writes nearly all of it; 0.1 "
                            + "writes nothing directly (it works through 1.2's keys)."),
            new Step("the logit lens", "lens",
                    "The residual stream read out as a prediction after each layer: \".\" is a long shot (a high rank) "
                            + "until the rows after layer 1, where 1.2 has written it."),
            new Step("jlens checks itself", "selftest",
                    "The same findings as checks with numbers: every detector finds its wired head, ablations, "
                            + "patching, DLA and the lens conserve what they should. Every line should say PASS."),
            new Step("what comes next", "generate 4",
                    "The model goes on by copying what followed \".\" before: \" The quick brown fox\", streamed as it comes."),
            new Step("steering", "steer \" cat\" - \" dog\" layer 1 coeff 1 all",
                    "A steering vector: the residual of \" cat\" minus that of \" dog\", added entering layer 1 at "
                            + "every position. It stays in force for every run until 'unsteer'; each command says so.", true),
            new Step("generation with the vector in force", "generate 4",
                    "The same 4 tokens with the vector in force: where it copied \" The quick brown fox\", it now says \" cat\"."),
            new Step("back to the model as loaded", "unsteer",
                    "Nothing is in force any more: runs are of the model as loaded.", true),
            new Step("path patching", "path to 1.2 k",
                    "Each earlier head's path into the induction head's keys alone, every other head frozen at its clean "
                            + "output: 0.1's cell is near -1 (the whole corruption's effect reaches 1.2 through its keys), "
                            + "the others near 0. 'path' alone would ask the same of the final residual."),
            new Step("every edge scored", "edges eap-ig steps 10",
                    "Every edge of the model's graph (input, heads a{layer}.h{head}, MLPs m{layer}, logits; an edge into a "
                            + "head split by its q, k or v) scored by its effect on the metric, by EAP-IG (gradients along 10 "
                            + "steps from the corrupted input to the clean one). The three strongest are the copy: "
                            + "input -> a0.h1 (its value), a0.h1 -> a1.h2 (its keys), a1.h2 -> logits.", true),
            new Step("a circuit", "circuit top 4",
                    "The 4 strongest edges, pruned as EAP-IG prunes (an edge off every path from the input to the "
                            + "logits goes), drawn from the input down to the logits with the key edge marked k. 'circuit "
                            + "eval' runs the model with every other edge corrupted; 'save circuit.dot' writes it for Graphviz."),
            new Step("a sparse autoencoder", "sae load known",
                    "An SAE in SAELens's folder layout, made for this model: one feature per token (\"the current token "
                            + "is ...\") and one per previous token, reading the residual entering layer 1. Loading it "
                            + "changes nothing; 'sae on' would splice it in.", true),
            new Step("features at a token", "features -1",
                    "The features active at the last token: exactly two fire, the current token \".\" and the "
                            + "previous token \" dog\" (which 0.1 wrote there). On GPT-2, an SAE from SAELens's releases "
                            + "reads the same way; 'feature F' draws one feature over the whole text."));

    private final Session session;
    private int next = -1; // the step Enter runs; -1: no tour

    Tour(Session session) {
        this.session = session;
    }

    /** Whether a tour is under way (Enter then runs its next step). */
    boolean active() {
        return next >= 0;
    }

    /** What the prompt says while a tour is under way. */
    static final String PROMPT = "tour> ";

    static Command command() {
        return new Command("tour", "tour [next | STEP | all | stop]",
                "a guided walk through the known-answer model, one command a step (Enter: next)",
                """
                Walks through the bundled known-answer model step by step: its attention patterns, the head
                detectors, an ablation, activation patching, direct logit attribution, the logit lens, the self
                test and a steering vector. Each step says what to look for, runs one command as if you typed it,
                and waits: Enter runs the next step, q leaves the tour, and any other line runs as usual, so you
                can try a command of your own between steps. The tour loads the known-answer model ('load gpt2'
                or 'load DIR' brings back another). 'tour STEP' starts at a step, 'tour all' runs every step
                without waiting (as a script does), 'tour stop' leaves it. 'help start' shows the start screen.
                Examples:
                  tour
                  tour next
                  tour stop
                  tour 8""",
                (s, before) -> before.isEmpty() ? List.of("next", "all", "stop") : List.of(),
                (s, a) -> {
                    Tour t = s.tour();
                    if (!a.hasNext()) {
                        t.start(0);
                        return;
                    }
                    String w = a.next("next, a step, all or stop");
                    a.end();
                    switch (w) {
                        case "next" -> t.next();
                        case "stop", "quit", "q" -> t.stop();
                        case "all" -> t.all();
                        default -> {
                            long n = Args.parseLong(w, "the step", a.usage());
                            if (n < 1 || n > STEPS.size()) {
                                throw new UserError("step " + w + " is out of range: the tour has steps 1.." + STEPS.size());
                            }
                            t.start((int) n - 1);
                        }
                    }
                });
    }

    /** Starts the tour at step {@code index} (0-based) and runs it. */
    void start(int index) {
        if (index == 0) {
            session.println("The tour: " + STEPS.size() + " steps through the known-answer model. Each runs one command "
                    + "and says what to look for. Enter: the next step; q: leave the tour; any command runs as usual.");
        }
        if (index > 0) {
            session.println("catching up: the steps before step " + (index + 1) + " that set what it needs");
            for (int i = 0; i < index; i++) {
                if (STEPS.get(i).setup()) {
                    session.out().println(Repl.PROMPT + STEPS.get(i).command());
                    session.execWithin(STEPS.get(i).command());
                }
            }
            session.console.commandStarted(); // the step's own chart gets the screen below what comes next
        }
        next = index;
        next();
    }

    /** Runs the next step; the tour ends after the last. */
    void next() {
        if (next < 0) {
            throw new UserError("no tour under way; type 'tour' to start one");
        }
        int i = next;
        run(i);
        next = i + 1 < STEPS.size() ? i + 1 : -1; // a step that failed is not passed: Enter tries it again
        if (next < 0) {
            finished();
        } else {
            session.println("Enter: step " + (next + 1) + " of " + STEPS.size() + " (" + STEPS.get(next).command()
                    .split(" ")[0] + ") · q: leave the tour · or type any command");
        }
    }

    /** Every step in a row, without waiting (a script's tour). */
    void all() {
        next = -1;
        for (int i = 0; i < STEPS.size(); i++) {
            run(i);
        }
        finished();
    }

    void stop() {
        if (next < 0) {
            session.println("no tour under way");
            return;
        }
        session.println("left the tour at step " + (next + 1) + " of " + STEPS.size() + "; 'tour " + (next + 1)
                + "' goes on from there");
        next = -1;
    }

    private void run(int i) {
        Step step = STEPS.get(i);
        session.println("── tour " + (i + 1) + " of " + STEPS.size() + ": " + step.title() + " ──");
        session.println("look for: " + step.lookFor());
        session.out().println(Repl.PROMPT + step.command());
        session.execWithin(step.command());
    }

    private void finished() {
        session.println("That was the tour. Next: 'help workflow' (from a text to a circuit, on any model), "
                + "'source examples/induction.jsh' (the same walk as a script), 'load gpt2' for real GPT-2.");
    }
}
