package jlens.repl;

import java.util.ArrayList;
import java.util.List;
import jlens.intervene.EdgeAttribution;
import jlens.intervene.PathPatching;
import jlens.intervene.SweepOptions;
import jlens.workspace.Workspace;

/**
 * Circuit discovery: {@code path} (path patching), {@code edges} (edge attribution on EAP-IG's graph) and
 * {@code circuit} (choose, evaluate, sweep). Each parses, calls {@link Workspace#discovery()}, and renders through
 * {@link GraphView}. Graph files are read by {@code load FILE.json} ({@link #load}).
 */
final class GraphCommands {
    private GraphCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("path", "path [to final | to L.H[,L.H...] q|k|v] [--approx]",
                        "path patching: each sender head's path to the final residual or to heads' q, k or v",
                        """
                        Path patching (Wang et al., ARENA), noising: the text runs with every head's output (z)
                        frozen at its clean value except one sender's, which takes the corrupted text's value;
                        MLPs and LayerNorms are recomputed. To the final residual (default), that run's metric is
                        the cell; to receivers' q, k or v, their query (key, value) vectors are taken from that
                        run and patched alone into a fresh run of the text. Shows (m - m_clean) / (m_clean -
                        m_corrupt): 0 = unharmed, -1 = the whole corruption's effect, one cell per sender head.
                        --approx: TransformerLens's direct path patching (direct paths only: the sender reaches
                        the receiver, and the receiver the final residual, without going through anything else),
                        an approximation shown beside the exact grid with their correlation.
                        Needs 'corrupt' and 'metric'. save X.npy writes the normalised [L, H] grid; .json also the
                        raw metric per sender, m_clean and m_corrupt; .csv one row per sender.
                        Examples (on the known-answer model: 0.1 reaches the induction head 1.2 through its keys):
                          text "one two three four one two three four"
                          corrupt "one two three five one two three four"
                          metric logprob " four" pos -2
                          path
                          path to 1.2 k
                          path to 1.2 q --approx""",
                        (s, before) -> before.isEmpty() ? List.of("to", "--approx")
                                : before.size() == 1 && before.get(0).equals("to") ? List.of("final")
                                : before.size() == 2 && !before.get(1).equals("final") ? List.of("q", "k", "v") : List.of("--approx"),
                        GraphCommands::path),
                new Command("edges", "edges exact | eap | eap-ig [steps S] [set]",
                        "edge attribution on EAP-IG's graph: every edge's effect when it carries its corrupted sender",
                        """
                        Scores every edge of EAP-IG's graph (input, a{l}.h{h}: a head's output without the bias,
                        m{l}: an MLP's output, logits; an edge into a head is split by its q, k and v input, as in
                        a0.h1->a1.h2<k>): the change of the metric when the receiver's input gets the sender's
                        corrupted value minus its clean one.
                          exact    runs the text once per edge (batched, recomputing only what the edge changes)
                          eap      to first order: one corrupted pass, one clean pass and one backward pass
                          eap-ig   EAP with the gradient averaged over S runs (default 30) whose input embedding
                                   moves from the corrupted text's to the text's (EAP-IG, the 'inputs' variant)
                        'set' averages over the prompt set, each prompt into its own corrupted prompt. Needs
                        'corrupt' and 'metric' (or a set). save X.json writes EAP-IG's graph file (Graph.from_json
                        reads it), .csv one edge a row, .npy the scores in the graph's order; 'load X.json' reads
                        a graph file back.
                        Examples:
                          text "one two three four one two three four"
                          corrupt "one two three five one two three four"
                          metric logprob " four" pos -2
                          edges eap-ig
                          edges exact
                          save edges.json
                          load edges.json""",
                        (s, before) -> before.isEmpty() ? List.of("exact", "eap", "eap-ig")
                                : before.get(0).equals("eap-ig") && before.size() == 1 ? List.of("steps", "set") : List.of("set"),
                        GraphCommands::edges),
                new Command("circuit", "circuit top N | threshold T | greedy N | show | eval [set] | curve [POINTS] [set]",
                        "choose a circuit from the last edge scores, run it, or sweep its faithfulness over sizes",
                        """
                        Chooses a circuit from the last edge scores as EAP-IG does: top N (the N edges of largest
                        |score|), threshold T (|score| at least T), greedy N (from the logits up, the best edge into
                        the circuit so far), each then pruned (nodes without an edge in or out leave, with their
                        edges). eval runs the text with every edge outside the circuit carrying its corrupted
                        sender and shows its metric and faithfulness (m_circuit - m_corrupt) / (m_clean -
                        m_corrupt): the full graph gives 1, no edges 0. curve evaluates the top-n circuits over
                        POINTS sizes (default 12) spaced on a log scale and draws the faithfulness.
                        Choosing draws the circuit: layers as rows from the input to the logits, heads and MLPs as
                        boxes, edges by score (colour and sign), q/k/v inputs marked; the strongest edges that fit
                        the screen, 'view' pages the rest; show draws the current circuit again.
                        save X.json writes the circuit as EAP-IG's graph file, .csv every edge with in_graph, .dot
                        Graphviz, .svg/.png the figure.
                        Examples:
                          text "one two three four one two three four"
                          corrupt "one two three five one two three four"
                          metric logprob " four" pos -2
                          edges eap-ig
                          circuit top 20
                          circuit show
                          save circuit.dot
                          circuit eval
                          circuit curve""",
                        (s, before) -> before.isEmpty() ? List.of("top", "threshold", "greedy", "show", "eval", "curve")
                                : List.of("set"),
                        GraphCommands::circuit));
    }

    private static SweepOptions options(Session s, ProgressMeter progress, SweepOptions base) {
        return base.withProgress(progress).withCancel(s::cancelRequested);
    }

    private static void path(Session s, Args a) {
        boolean approx = a.flag("--approx");
        List<PathPatching.Head> receivers = new ArrayList<>();
        char input = 'q';
        if (a.accept("to") && !a.accept("final")) {
            for (String part : a.next("receiver heads L.H[,L.H...] or final").split(",")) {
                receivers.add(head(part, a.usage()));
            }
            String which = a.next("q, k or v");
            if (!List.of("q", "k", "v").contains(which)) {
                throw new UserError("a receiver's input is q, k or v, not '" + Format.visible(which) + "'; usage: " + a.usage());
            }
            input = which.charAt(0);
        }
        a.end();
        Workspace ws = s.workspace();
        char in = input;
        String line = "path" + (receivers.isEmpty() ? "" : " to " + String.join(",", receivers.stream().map(Object::toString).toList())
                + " " + input) + (approx ? " --approx" : "");
        ProgressMeter progress = new ProgressMeter(s, "path");
        PathPatching.Grid exact = null;
        PathPatching.Grid r;
        try {
            SweepOptions o = options(s, progress, SweepOptions.patching());
            if (approx) {
                exact = Session.user(() -> ws.discovery().path(receivers, in, false, o));
            }
            r = Session.user(() -> ws.discovery().path(receivers, in, approx, o));
        } finally {
            progress.done();
        }
        GraphView.path(s, r, exact, line);
    }

    private static PathPatching.Head head(String word, String usage) {
        String[] lh = word.strip().split("\\.");
        if (lh.length != 2) {
            throw new UserError("a receiver is LAYER.HEAD such as 1.4, not '" + Format.visible(word) + "'; usage: " + usage);
        }
        return new PathPatching.Head((int) Args.parseLong(lh[0], "the layer", usage), (int) Args.parseLong(lh[1], "the head", usage));
    }

    private static void edges(Session s, Args a) {
        String word = a.next("exact, eap or eap-ig");
        EdgeAttribution.Method method = switch (word) {
            case "exact" -> EdgeAttribution.Method.EXACT;
            case "eap" -> EdgeAttribution.Method.EAP;
            case "eap-ig" -> EdgeAttribution.Method.EAP_IG;
            default -> throw new UserError("edges takes exact, eap or eap-ig, not '" + Format.visible(word) + "'; usage: " + a.usage());
        };
        int steps = 30;
        if (method == EdgeAttribution.Method.EAP_IG && a.accept("steps")) {
            steps = (int) Args.parseLong(a.next("a step count"), "the steps", a.usage());
        }
        boolean overSet = a.accept("set");
        a.end();
        int n = steps;
        Workspace ws = s.workspace();
        s.println("scoring every edge (" + word + (method == EdgeAttribution.Method.EAP_IG ? ", " + n + " steps" : "") + ")"
                + (overSet ? " over the prompt set" : "") + (method == EdgeAttribution.Method.EXACT ? " (Ctrl-C cancels)" : ""));
        ProgressMeter progress = new ProgressMeter(s, "edges");
        EdgeAttribution.Scores r;
        try {
            SweepOptions o = options(s, progress, method == EdgeAttribution.Method.EXACT ? SweepOptions.patching() : SweepOptions.defaults());
            r = Session.user(() -> ws.discovery().edges(method, n, overSet, o));
        } finally {
            progress.done();
        }
        GraphView.edges(s, r, "edges " + word + (method == EdgeAttribution.Method.EAP_IG ? " steps " + n : "") + (overSet ? " set" : ""));
    }

    private static void circuit(Session s, Args a) {
        String word = a.next("top, threshold, greedy, eval or curve");
        Workspace ws = s.workspace();
        switch (word) {
            case "top", "greedy" -> {
                int n = (int) Args.parseLong(a.next("an edge count"), "the edge count", a.usage());
                a.end();
                GraphView.circuit(s, Session.user(() -> word.equals("top") ? ws.discovery().top(n) : ws.discovery().greedy(n)),
                        "circuit " + word + " " + n);
            }
            case "threshold" -> {
                double t = Args.parseDouble(a.next("a threshold"), "the threshold", a.usage());
                a.end();
                GraphView.circuit(s, Session.user(() -> ws.discovery().threshold(t)), "circuit threshold " + Format.num(t));
            }
            case "eval" -> {
                boolean overSet = a.accept("set");
                a.end();
                ProgressMeter progress = new ProgressMeter(s, "circuit");
                jlens.intervene.Circuit.Eval e;
                try {
                    SweepOptions o = options(s, progress, SweepOptions.patching());
                    e = Session.user(() -> ws.discovery().eval(overSet, o));
                } finally {
                    progress.done();
                }
                GraphView.eval(s, e, "circuit eval" + (overSet ? " set" : ""));
            }
            case "curve" -> {
                int points = a.hasNext() && !a.peek().equals("set") ? (int) Args.parseLong(a.next("a point count"), "the points", a.usage()) : 12;
                boolean overSet = a.accept("set");
                a.end();
                ProgressMeter progress = new ProgressMeter(s, "curve");
                jlens.intervene.Circuit.Curve c;
                try {
                    SweepOptions o = options(s, progress, SweepOptions.patching());
                    c = Session.user(() -> ws.discovery().curve(points, overSet, o));
                } finally {
                    progress.done();
                }
                GraphView.curve(s, c, "circuit curve " + points + (overSet ? " set" : ""));
            }
            case "show" -> {
                a.end();
                GraphView.circuit(s, Session.user(() -> ws.discovery().circuit()), "circuit show");
            }
            default -> throw new UserError("circuit takes top N, threshold T, greedy N, show, eval or curve, not '" + Format.visible(word)
                    + "'; usage: " + a.usage());
        }
    }

    /** {@code load FILE.json}: a graph file in EAP-IG's layout for the loaded model. */
    static void load(Session s, String file) {
        Workspace ws = s.workspace();
        Session.user(() -> ws.discovery().load(SaveCommand.path(file)));
        boolean circuit = ws.lastResult() instanceof jlens.intervene.Circuit.Selection;
        s.println("loaded EAP-IG's graph file " + SaveTarget.quote(file));
        if (circuit) {
            GraphView.circuit(s, ws.discovery().circuit(), "load " + file);
        } else {
            GraphView.edges(s, ws.discovery().scores(), "load " + file);
        }
    }
}
