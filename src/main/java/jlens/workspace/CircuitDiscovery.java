package jlens.workspace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jlens.intervene.Circuit;
import jlens.intervene.EdgeAttribution;
import jlens.intervene.EdgeGraph;
import jlens.intervene.GraphJson;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchSpec;
import jlens.intervene.PathPatching;
import jlens.intervene.SweepOptions;

/**
 * Circuit discovery on the workspace's text and corrupted text (or its prompt set) with the changes in force
 * ({@link Workspace#discovery()}): path patching, edge attribution on EAP-IG's graph, and circuits chosen from the
 * last edge scores, evaluated and swept over sizes. The last scores and the current circuit are kept here until the
 * model changes.
 *
 * <pre>{@code
 * ws.patching().corrupt("After John and Mary went to the store, Mary gave a bottle of milk to");
 * ws.patching().metric(Metric.logitDiff(ws.token(" Mary"), ws.token(" John"), -1));
 * EdgeAttribution.Scores s = ws.discovery().edges(EdgeAttribution.Method.EAP_IG, 30, false, SweepOptions.defaults());
 * Circuit.Selection c = ws.discovery().top(20);
 * Circuit.Eval e = ws.discovery().eval(false, SweepOptions.patching());
 * }</pre>
 */
public final class CircuitDiscovery {
    /** The largest graph file {@code load} reads: gpt2-xl's graph with scores is about 60 MB. */
    private static final long MAX_FILE_BYTES = 256L << 20;

    private final Workspace ws;
    private EdgeAttribution.Scores scores;
    private Circuit.Selection circuit;

    CircuitDiscovery(Workspace ws) {
        this.ws = ws;
    }

    /** The text into the corrupted text, or every prompt of the set into its own corrupted prompt, with their metrics. */
    public List<PatchSpec> pairs(boolean overSet) {
        synchronized (ws) {
            return overSet ? ws.prompts().patchSpecs(PatchKind.HEADS) : List.of(ws.patching().spec(PatchKind.HEADS));
        }
    }

    /**
     * Path patching: to the final residual ({@code receivers} empty) or to the receivers' q, k or v input; exact, or
     * TransformerLens's direct-path approximation.
     */
    public PathPatching.Grid path(List<PathPatching.Head> receivers, char input, boolean approx, SweepOptions options) {
        synchronized (ws) {
            if (!receivers.isEmpty()) {
                ws.checked(() -> {
                    PathPatching.checkReceivers(ws.config(), receivers, input);
                    return null;
                });
            }
            PatchSpec pair = pairs(false).get(0);
            PathPatching.Grid g = ws.experiment(() -> approx
                    ? PathPatching.approximate(ws.current(), ws.standing(), pair, receivers, input, options)
                    : receivers.isEmpty() ? PathPatching.toFinal(ws.current(), ws.standing(), pair, options)
                    : PathPatching.toHeads(ws.current(), ws.standing(), pair, receivers, input, options));
            return ws.remember(finite(g, g.mClean(), g.mCorrupt()));
        }
    }

    /** Every edge's score by {@code method} ({@code steps} for EAP-IG), kept as the scores circuits are chosen from. */
    public EdgeAttribution.Scores edges(EdgeAttribution.Method method, int steps, boolean overSet, SweepOptions options) {
        synchronized (ws) {
            List<PatchSpec> pairs = pairs(overSet);
            EdgeAttribution.Scores s = ws.experiment(() -> switch (method) {
                case EXACT -> EdgeAttribution.exact(ws.current(), ws.standing(), pairs, options);
                case EAP -> EdgeAttribution.eap(ws.current(), ws.standing(), pairs, options);
                case EAP_IG -> EdgeAttribution.eapIg(ws.current(), ws.standing(), pairs, steps, options);
                case FILE -> throw new IllegalArgumentException("scores come from a file with 'load FILE.json', not from 'edges'");
            });
            scores = finite(s, s.mClean(), s.mCorrupt());
            circuit = null;
            return ws.remember(s);
        }
    }

    /** The last edge scores; a {@link MissingStateException} if there are none. */
    public EdgeAttribution.Scores scores() {
        synchronized (ws) {
            if (scores == null) {
                throw new MissingStateException("no edge scores yet; run 'edges eap-ig' (or exact, eap), or 'load edges.json'");
            }
            return scores;
        }
    }

    /** EAP-IG's top n edges of the last scores, pruned: the current circuit. */
    public Circuit.Selection top(int n) {
        return choose(s -> Circuit.top(s.graph(), s.scores(), n));
    }

    /** The edges with |score| at least {@code t}, pruned. */
    public Circuit.Selection threshold(double t) {
        return choose(s -> Circuit.threshold(s.graph(), s.scores(), t));
    }

    /** EAP-IG's greedy growth from the logits, n edges, pruned. */
    public Circuit.Selection greedy(int n) {
        return choose(s -> Circuit.greedy(s.graph(), s.scores(), n));
    }

    private Circuit.Selection choose(java.util.function.Function<EdgeAttribution.Scores, Circuit.Selection> rule) {
        synchronized (ws) {
            EdgeAttribution.Scores s = scores();
            circuit = ws.checked(() -> rule.apply(s));
            return ws.remember(circuit);
        }
    }

    /** The current circuit; a {@link MissingStateException} if none was chosen. */
    public Circuit.Selection circuit() {
        synchronized (ws) {
            if (circuit == null) {
                throw new MissingStateException("no circuit yet; choose one with 'circuit top N' (or threshold T, greedy N)");
            }
            return circuit;
        }
    }

    /** The current circuit run with every other edge corrupted: its metric and faithfulness. */
    public Circuit.Eval eval(boolean overSet, SweepOptions options) {
        synchronized (ws) {
            Circuit.Selection c = circuit();
            List<PatchSpec> pairs = pairs(overSet);
            Circuit.Eval e = ws.experiment(() -> Circuit.eval(ws.current(), ws.standing(), pairs, c, options));
            return ws.remember(finite(e, e.mClean(), e.mCorrupt()));
        }
    }

    /** Faithfulness of the top-n circuits of the last scores over about {@code points} sizes. */
    public Circuit.Curve curve(int points, boolean overSet, SweepOptions options) {
        synchronized (ws) {
            EdgeAttribution.Scores s = scores();
            if (points < 2 || points > 200) {
                throw new InvalidInputException("a curve has 2 to 200 points, not " + points + "; e.g. circuit curve 12");
            }
            List<PatchSpec> pairs = pairs(overSet);
            int[] sizes = Circuit.sizes(s.graph().edges().size(), points);
            Circuit.Curve c = ws.experiment(() -> Circuit.curve(ws.current(), ws.standing(), pairs, s.graph(), s.scores(),
                    s.describe(), sizes, options));
            return ws.remember(finite(c, c.mClean(), c.mCorrupt()));
        }
    }

    /**
     * A result whose clean and corrupted metrics are finite, else refused (ARCHITECTURE.md, "Non-finite values"): every
     * path, edge and circuit score is measured against them, so none would mean anything.
     */
    private static <T> T finite(T result, double mClean, double mCorrupt) {
        if (!Double.isFinite(mClean) || !Double.isFinite(mCorrupt)) {
            throw new UndefinedResultException("m_clean " + mClean + ", m_corrupt " + mCorrupt + ": the metric is not finite"
                    + " (NaN or infinite logits where it reads them), so no path, edge or circuit score is defined; look for"
                    + " where the run goes non-finite with 'run' and 'hooks', or remove what is in force ('unsteer')");
        }
        return result;
    }

    /**
     * Reads a graph file in EAP-IG's {@code Graph.to_json} layout for the model: its scores become the last scores and
     * its edges in the graph (if any) the current circuit, as the file has them.
     */
    public GraphJson.Read load(Path file) {
        synchronized (ws) {
            EdgeGraph graph = EdgeGraph.of(ws.config());
            String text;
            try {
                if (Files.size(file) > MAX_FILE_BYTES) {
                    throw new InvalidInputException(file + " is larger than " + (MAX_FILE_BYTES >> 20) + " MB; a graph file is smaller");
                }
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new InvalidInputException("cannot read " + file + ": " + jlens.sys.FileErrors.reason(e));
            }
            GraphJson.Read read = ws.checked(() -> GraphJson.read(text, graph));
            scores = new EdgeAttribution.Scores(graph, EdgeAttribution.Method.FILE, 0, read.scores(), read.mClean(), read.mCorrupt(),
                    0, false, 0);
            boolean any = false;
            for (boolean b : read.edges()) {
                any |= b;
            }
            circuit = any ? Circuit.of(graph, read.scores(), read.edges(), read.nodes(), "from " + file.getFileName()) : null;
            ws.remember(circuit != null ? circuit : scores);
            return read;
        }
    }

    void modelChanged() {
        scores = null;
        circuit = null;
    }
}
