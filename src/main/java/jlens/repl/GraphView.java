package jlens.repl;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import jlens.chart.Chart;
import jlens.chart.CircuitDiagram;
import jlens.chart.Heatmap;
import jlens.chart.LinePlot;
import jlens.chart.SmallMultiples;
import jlens.intervene.Circuit;
import jlens.intervene.EdgeAttribution;
import jlens.intervene.EdgeGraph;
import jlens.intervene.PathPatching;

/**
 * How circuit discovery reads in the terminal: a path-patching grid (the exact and the direct-path grids side by side
 * with their correlation), edge scores (the largest edges), a circuit (its edges), its evaluation and the faithfulness
 * curve. The {@code path}, {@code edges} and {@code circuit} commands render through it, and so can JShell:
 * {@code GraphView.edges(session, ws.discovery().edges(EdgeAttribution.Method.EAP, 0, false, SweepOptions.defaults()))}.
 */
public final class GraphView {
    private GraphView() {}

    /** Edges listed under a score table or a circuit. */
    private static final int SHOWN = 12;

    /** A path-patching grid, beside the exact one (for the direct-path approximation) when given. */
    public static void path(Session s, PathPatching.Grid r, PathPatching.Grid exact, String line) {
        s.println("m_clean " + Format.num(r.mClean()) + ", m_corrupt " + Format.num(r.mCorrupt()) + " (m_clean - m_corrupt "
                + Format.num(r.mClean() - r.mCorrupt()) + "), " + Format.num(r.seconds()) + " s");
        String to = r.receiver().equals("final") ? "the final residual" : r.receiver();
        Chart chart = pathChart(r, (r.approx() ? "direct paths (approximation) to " : "path patching to ") + to);
        if (r.approx() && exact != null) {
            s.println("direct paths only (TransformerLens's direct_path_patching): an approximation; correlation with the exact"
                    + " grid " + Format.num(r.correlation(exact)));
            double span = Math.max(maxAbs(exact.normalized()), maxAbs(r.normalized())); // one colour scale for both
            chart = new SmallMultiples("path patching to " + to + ": exact and direct paths")
                    .add(span > 0 ? pathChart(exact, "exact").range(-span, span) : pathChart(exact, "exact"))
                    .add(span > 0 ? pathChart(r, "direct paths (approximation)").range(-span, span) : pathChart(r, "direct paths"));
        } else {
            s.println("0 = unharmed, -1 = the whole corruption's effect, per sender (layer x head)");
            if (!r.receiver().equals("final")) {
                s.println("0 where the sender is not before a receiver");
            }
        }
        s.drawUnless(Double.isNaN(r.normalized()[0]), chart, Math.max(s.settings().height(), r.layers() / 2 + 8));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("receiver", r.receiver());
        params.put("approx", r.approx());
        params.put("m_clean", r.mClean());
        params.put("m_corrupt", r.mCorrupt());
        s.lastResult(Result.of("path", line, params, r));
    }

    private static double maxAbs(double[] values) {
        double m = 0;
        for (double v : values) {
            m = Double.isFinite(v) ? Math.max(m, Math.abs(v)) : m;
        }
        return m;
    }

    private static Heatmap pathChart(PathPatching.Grid r, String title) {
        String[] rows = IntStream.range(0, r.layers()).mapToObj(Integer::toString).toArray(String[]::new);
        return new Heatmap(r.normalizedRows()).title(title).rowLabels(rows).yLabel("layer").xLabel("head")
                .colorLabel("normalised").originBottom(true).diverging(0, "clean");
    }

    /** Edge scores: the method, the two metrics and the edges of largest |score|. */
    public static void edges(Session s, EdgeAttribution.Scores r, String line) {
        s.println(r.describe() + " scores of " + r.scores().length + " edges" + (r.prompts() > 1 ? ", the mean over " + r.prompts()
                + " prompts" : "") + "; m_clean " + Format.num(r.mClean()) + ", m_corrupt " + Format.num(r.mCorrupt())
                + (r.method() == EdgeAttribution.Method.FILE ? "" : ", " + Format.num(r.seconds()) + " s"));
        s.println("score: the change of the metric when the edge carries its corrupted sender"
                + (r.method() == EdgeAttribution.Method.EXACT ? " (each edge run)" : r.method() == EdgeAttribution.Method.FILE ? ""
                : " (estimated from gradients)"));
        topEdges(s, r.graph(), r.scores(), null);
        s.println("'circuit top N' chooses a circuit from these; 'save edges.json' writes EAP-IG's graph file, .csv one edge a row");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("method", r.describe());
        params.put("m_clean", r.mClean());
        params.put("m_corrupt", r.mCorrupt());
        params.put("prompts", r.prompts());
        s.lastResult(Result.of("edges", line, params, r));
    }

    /** A circuit: its size and its edges of largest |score|. */
    public static void circuit(Session s, Circuit.Selection c, String line) {
        int nodes = 0;
        for (boolean b : c.nodes()) {
            nodes += b ? 1 : 0;
        }
        s.println("circuit (" + c.rule() + ", pruned as EAP-IG prunes): " + c.edgeCount() + " edges, " + nodes + " nodes (logits included)");
        if (c.edgeCount() > 0) {
            topEdges(s, c.graph(), c.scores(), c.edges());
            draw(s, c, line);
        } else {
            s.println("no edge has a path from the input to the logits; take more edges (circuit top N, greedy N)");
        }
        s.println("'circuit eval' runs it; 'view' pages the drawing; 'save circuit.json' writes EAP-IG's graph file,"
                + " .dot Graphviz, .svg/.png the figure");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("rule", c.rule());
        params.put("edges", c.edgeCount());
        s.lastResult(Result.of("circuit", line, params, c));
    }

    /**
     * The circuit drawn (layers as rows, edges by score, q/k/v marked), the strongest edges that fit the screen, and
     * for 'view' pages of the rest at the pager's size; the last chart, so 'save X.dot|svg|png' draws it.
     */
    private static void draw(Session s, Circuit.Selection c, String line) {
        Map<String, Double> scored = new LinkedHashMap<>();
        for (String edge : c.edgeNames()) {
            scored.put(edge, c.scores()[c.graph().indexOf(edge)]);
        }
        CircuitDiagram diagram = new CircuitDiagram(scored).title(line + " (" + c.rule() + ")").scoreLabel("edge score");
        List<CircuitDiagram> pages = diagram.pages(s.settings().width(), Math.max(12, s.settings().height()), s.style());
        List<String> titles = IntStream.range(0, pages.size()).mapToObj(i -> line + ", page " + (i + 1) + " of " + pages.size()).toList();
        s.draw(diagram, new Figure(titles, 0, pages::get));
    }

    public static void eval(Session s, Circuit.Eval e, String line) {
        s.println("circuit (" + e.circuit().rule() + ", " + e.circuit().edgeCount() + " edges): every other edge carries its corrupted"
                + " sender" + (e.prompts() > 1 ? "; means over " + e.prompts() + " prompts" : ""));
        TextTable t = new TextTable("run", "metric");
        t.row("clean (full graph)", e.mClean());
        t.row("corrupted (no edges)", e.mCorrupt());
        t.row("circuit", e.m());
        s.out().print(t);
        s.println("faithfulness (m_circuit - m_corrupt) / (m_clean - m_corrupt) = " + Format.num(e.faithfulness()) + ", "
                + Format.num(e.seconds()) + " s");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("rule", e.circuit().rule());
        s.lastResult(Result.of("circuit eval", line, params, e));
    }

    public static void curve(Session s, Circuit.Curve c, String line) {
        s.println("faithfulness of the top-n circuits of the " + c.method() + " scores (pruned), " + c.sizes().length + " sizes, "
                + Format.num(c.seconds()) + " s; 1 = the whole model, 0 = the corrupted run");
        TextTable t = new TextTable("top n", "edges", "metric", "faithfulness");
        for (int i = 0; i < c.sizes().length; i++) {
            t.row(c.sizes()[i], c.edges()[i], c.m()[i], c.faithfulness()[i]);
        }
        s.tableBeforeCharts(t, 1, "curve.csv");
        double[] x = IntStream.of(c.sizes()).asDoubleStream().toArray();
        LinePlot plot = new LinePlot("faithfulness by circuit size (top n edges of " + c.method() + ")").xLabel("top n edges")
                .yLabel("faithfulness").markers(true).add(new LinePlot.Series("faithfulness", x, c.faithfulness()))
                .referenceLine("whole model", 1).referenceLine("corrupted", 0);
        s.draw(plot, null);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("method", c.method());
        s.lastResult(Result.of("circuit curve", line, params, c));
    }

    /** The edges of largest |score| (of those in {@code in}, when given), at most {@link #SHOWN}. */
    private static void topEdges(Session s, EdgeGraph g, double[] scores, boolean[] in) {
        List<Integer> order = IntStream.range(0, scores.length).boxed()
                .filter(i -> (in == null || in[i]) && !Double.isNaN(scores[i]))
                .sorted(Comparator.comparingDouble((Integer i) -> -Math.abs(scores[i]))).toList();
        TextTable t = new TextTable("edge", "score");
        order.stream().limit(SHOWN).forEach(i -> t.row(g.edges().get(i).name(), scores[i]));
        s.out().print(t);
        if (order.size() > SHOWN) {
            s.println("... " + (order.size() - SHOWN) + " more; 'save FILE.csv' writes every edge");
        }
    }
}
