package jlens.intervene;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import jlens.analysis.AnalysisResult;
import jlens.analysis.NdData;
import jlens.model.Gpt2;

/**
 * Circuits on EAP-IG's graph: choosing edges by their scores as EAP-IG's {@code Graph.apply_topn},
 * {@code apply_threshold} and {@code apply_greedy} do (absolute scores, then {@code prune}: nodes left without an
 * incoming or an outgoing edge leave, and their edges with them, until nothing changes), and evaluating a circuit:
 * the clean text with every edge outside it carrying its corrupted sender ({@link Value.Senders}, EAP-IG's
 * {@code evaluate_graph}). The full graph gives the clean metric and the empty graph the corrupted one.
 */
public final class Circuit {
    private Circuit() {}

    /**
     * A circuit: which edges and nodes are in it, and the scores it was chosen by.
     *
     * @param rule how it was chosen, for a reader ({@code top 20}, {@code threshold 0.1}, {@code greedy 20}, a file)
     */
    public record Selection(EdgeGraph graph, double[] scores, boolean[] edges, boolean[] nodes, String rule)
            implements AnalysisResult {
        public Selection {
            scores = scores.clone();
            edges = edges.clone();
            nodes = nodes.clone();
            nodes[graph.logitsNode()] = true; // EAP-IG's logits node is always in the graph
        }

        public int edgeCount() {
            int n = 0;
            for (boolean b : edges) {
                n += b ? 1 : 0;
            }
            return n;
        }

        /** The names of the edges in the circuit, in the graph's order. */
        public List<String> edgeNames() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < edges.length; i++) {
                if (edges[i]) {
                    out.add(graph.edges().get(i).name());
                }
            }
            return out;
        }

        public boolean has(String edge) {
            int i = graph.indexOf(edge);
            return i >= 0 && edges[i];
        }

        @Override
        public List<String> columns() {
            return List.of("edge", "score", "in_graph");
        }

        @Override
        public int rowCount() {
            return edges.length;
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {graph.edges().get(i).name(), scores[i], edges[i] ? 1 : 0};
        }

        /** The scores of the edges in the circuit, 0 outside it, {@code [E]}. */
        @Override
        public NdData array() {
            double[] out = new double[scores.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = edges[i] ? scores[i] : 0;
            }
            return NdData.of(new long[] {out.length}, out);
        }

        /** EAP-IG's {@code Graph.to_json} layout. */
        @Override
        public boolean jsonIsAFormat() {
            return true;
        }

        @Override
        public String toJson() {
            return GraphJson.write(graph, scores, edges, nodes, GraphJson.about(rule, Double.NaN, Double.NaN, 0));
        }
    }

    /** The whole graph (every edge and node), with these scores. */
    public static Selection full(EdgeGraph graph, double[] scores) {
        boolean[] edges = new boolean[graph.edges().size()];
        boolean[] nodes = new boolean[graph.nodes().size()];
        Arrays.fill(edges, true);
        Arrays.fill(nodes, true);
        return new Selection(graph, scores, edges, nodes, "the full graph");
    }

    /** No edge: every receiver sees only corrupted senders. */
    public static Selection empty(EdgeGraph graph, double[] scores) {
        return new Selection(graph, scores, new boolean[graph.edges().size()], new boolean[graph.nodes().size()], "no edges");
    }

    /** EAP-IG's {@code apply_topn(n, absolute=True)}: the n edges of largest |score|, then pruned. */
    public static Selection top(EdgeGraph graph, double[] scores, int n) {
        int e = graph.edges().size();
        if (n < 0 || n > e) {
            throw new IllegalArgumentException("the graph has " + e + " edges; give 0 to " + e + ", not " + n);
        }
        Integer[] order = new Integer[e];
        for (int i = 0; i < e; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(magnitude(scores[b]), magnitude(scores[a]))); // stable: ties keep graph order
        boolean[] edges = new boolean[e];
        for (int i = 0; i < n; i++) {
            edges[order[i]] = true;
        }
        return pruned(graph, scores, edges, "top " + n);
    }

    /** EAP-IG's {@code apply_threshold(t, absolute=True)}: the edges with |score| >= t, then pruned. */
    public static Selection threshold(EdgeGraph graph, double[] scores, double t) {
        if (!Double.isFinite(t)) {
            throw new IllegalArgumentException("a threshold is a finite number, e.g. circuit threshold 0.05");
        }
        boolean[] edges = new boolean[scores.length];
        for (int i = 0; i < scores.length; i++) {
            edges[i] = magnitude(scores[i]) >= t;
        }
        return pruned(graph, scores, edges, String.format(Locale.ROOT, "threshold %.4g", t));
    }

    /**
     * EAP-IG's {@code apply_greedy(n, absolute=True)}: from the logits up, the edge of largest |score| among those into
     * nodes already in the circuit, n times (a node joins with its first edge out, and its own incoming edges become
     * candidates), then pruned.
     */
    public static Selection greedy(EdgeGraph graph, double[] scores, int n) {
        int e = graph.edges().size();
        if (n < 0 || n > e) {
            throw new IllegalArgumentException("the graph has " + e + " edges; give 0 to " + e + ", not " + n);
        }
        boolean[] edges = new boolean[e];
        boolean[] nodes = new boolean[graph.nodes().size()];
        List<List<Integer>> into = new ArrayList<>();
        for (int v = 0; v < graph.nodes().size(); v++) {
            into.add(graph.edgesInto(v));
        }
        long[] seq = {0};
        // by |score|, largest first; equal scores in the order they became candidates (heapq.merge's stability)
        PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> {
            int c = Double.compare(magnitude(scores[(int) b[0]]), magnitude(scores[(int) a[0]]));
            return c != 0 ? c : Long.compare(a[1], b[1]);
        });
        List<Integer> first = new ArrayList<>(into.get(graph.logitsNode()));
        first.sort((a, b) -> Double.compare(magnitude(scores[b]), magnitude(scores[a])));
        first.forEach(i -> queue.add(new long[] {i, seq[0]++}));
        for (int k = 0; k < n && !queue.isEmpty(); k++) {
            int i = (int) queue.poll()[0];
            edges[i] = true;
            int parent = graph.edges().get(i).sender();
            if (!nodes[parent]) {
                nodes[parent] = true;
                List<Integer> more = new ArrayList<>(into.get(parent));
                more.sort((a, b) -> Double.compare(magnitude(scores[b]), magnitude(scores[a])));
                more.forEach(j -> queue.add(new long[] {j, seq[0]++}));
            }
        }
        prune(graph, edges, nodes);
        return new Selection(graph, scores, edges, nodes, "greedy " + n);
    }

    /** These edges as they are (a file's), with the nodes they connect; not pruned. */
    public static Selection of(EdgeGraph graph, double[] scores, boolean[] edges, boolean[] nodes, String rule) {
        return new Selection(graph, scores, edges, nodes, rule);
    }

    /** After a fresh selection: nodes with an edge in and out (the input has no inputs), then {@link #prune}. */
    private static Selection pruned(EdgeGraph graph, double[] scores, boolean[] edges, String rule) {
        boolean[] nodes = new boolean[graph.nodes().size()];
        boolean[] out = new boolean[nodes.length];
        boolean[] in = new boolean[nodes.length];
        connections(graph, edges, out, in);
        for (int v = 0; v < nodes.length; v++) {
            nodes[v] = out[v] && in[v];
        }
        prune(graph, edges, nodes);
        return new Selection(graph, scores, edges, nodes, rule);
    }

    /**
     * EAP-IG's {@code prune}: a node stays when it has an edge out and an edge in (the input counts as having one), an
     * edge when both its ends stay (the logits always do), repeated until the nodes stop changing.
     */
    static void prune(EdgeGraph graph, boolean[] edges, boolean[] nodes) {
        int logits = graph.logitsNode();
        boolean[] out = new boolean[nodes.length];
        boolean[] in = new boolean[nodes.length];
        while (true) {
            connections(graph, edges, out, in);
            boolean same = true;
            for (int v = 0; v < nodes.length; v++) {
                boolean now = v == logits || (out[v] && in[v]);
                same &= now == nodes[v];
                nodes[v] = now;
            }
            for (int i = 0; i < edges.length; i++) {
                EdgeGraph.Edge e = graph.edges().get(i);
                edges[i] &= nodes[e.sender()] && nodes[e.receiver()];
            }
            if (same) {
                return;
            }
        }
    }

    private static void connections(EdgeGraph graph, boolean[] edges, boolean[] out, boolean[] in) {
        Arrays.fill(out, false);
        Arrays.fill(in, false);
        in[0] = true;
        for (int i = 0; i < edges.length; i++) {
            if (edges[i]) {
                EdgeGraph.Edge e = graph.edges().get(i);
                out[e.sender()] = true;
                in[e.receiver()] = true;
            }
        }
    }

    private static double magnitude(double score) {
        return Double.isNaN(score) ? Double.NEGATIVE_INFINITY : Math.abs(score);
    }

    /**
     * The clean run with every edge outside {@code edges} carrying its corrupted sender: at each receiving input, one
     * re-routed value holding the senders of its edges outside the circuit (a weight per receiving head).
     */
    public static Experiment experiment(EdgeGraph graph, boolean[] edges, PatchSpec pair) {
        record Key(String hook) {}
        java.util.Map<Key, java.util.LinkedHashMap<Value.Sender, float[]>> byInput = new java.util.LinkedHashMap<>();
        for (int i = 0; i < edges.length; i++) {
            if (edges[i]) {
                continue;
            }
            EdgeGraph.Edge e = graph.edges().get(i);
            float[] w = EdgeAttribution.weights(graph, e);
            float[] sum = byInput.computeIfAbsent(new Key(graph.inputHook(e)), k -> new java.util.LinkedHashMap<>())
                    .computeIfAbsent(graph.sender(e), s -> new float[w.length]);
            for (int j = 0; j < w.length; j++) {
                sum[j] += w[j];
            }
        }
        List<Intervention> changes = new ArrayList<>();
        byInput.forEach((key, senders) -> {
            List<Value.Sender> list = new ArrayList<>(senders.keySet());
            int per = senders.values().iterator().next().length;
            float[] weights = new float[list.size() * per];
            for (int s = 0; s < list.size(); s++) {
                System.arraycopy(senders.get(list.get(s)), 0, weights, s * per, per);
            }
            changes.add(new Intervention(key.hook(), Cells.ALL, new Value.Senders(pair.corrupt(), list, weights,
                    "edges outside the circuit carry their corrupted senders")));
        });
        return new Experiment(pair.clean(), changes, Readout.of(pair.metric()));
    }

    /**
     * A circuit's metric and faithfulness {@code (m - m_corrupt) / (m_clean - m_corrupt)} (1 = the whole model's
     * behaviour, 0 = none of it); over several pairs, the metrics are means and the faithfulness is of the means.
     */
    public record Eval(Selection circuit, double m, double mClean, double mCorrupt, double faithfulness, int prompts,
                       double seconds) implements AnalysisResult {
        @Override
        public List<String> columns() {
            return List.of("rule", "edges", "m", "m_clean", "m_corrupt", "faithfulness");
        }

        @Override
        public int rowCount() {
            return 1;
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {circuit.rule(), circuit.edgeCount(), m, mClean, mCorrupt, faithfulness};
        }
    }

    public static Eval eval(Gpt2 model, List<Intervention> standing, List<PatchSpec> pairs, Selection circuit,
                            SweepOptions options) {
        long begin = System.nanoTime();
        double[][] m = run(model, standing, pairs, List.of(circuit), options);
        return new Eval(circuit, m[2][0], m[0][0], m[1][0], faithfulness(m[2][0], m[0][0], m[1][0]), pairs.size(),
                (System.nanoTime() - begin) / 1e9);
    }

    /**
     * Faithfulness over circuit sizes: per size n, EAP-IG's top n edges (pruned), evaluated.
     *
     * @param sizes edge counts asked for, ascending
     * @param edges the edges left after pruning, per size
     */
    public record Curve(EdgeGraph graph, String method, int[] sizes, int[] edges, double[] m, double[] faithfulness,
                        double mClean, double mCorrupt, int prompts, double seconds) implements AnalysisResult {
        @Override
        public List<String> columns() {
            return List.of("top_n", "edges", "m", "faithfulness");
        }

        @Override
        public int rowCount() {
            return sizes.length;
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {sizes[i], edges[i], m[i], faithfulness[i]};
        }

        /** Per size: top n, edges after pruning, faithfulness, {@code [N, 3]}. */
        @Override
        public NdData array() {
            double[] out = new double[sizes.length * 3];
            for (int i = 0; i < sizes.length; i++) {
                out[3 * i] = sizes[i];
                out[3 * i + 1] = edges[i];
                out[3 * i + 2] = faithfulness[i];
            }
            return NdData.of(new long[] {sizes.length, 3}, out);
        }
    }

    /** About {@code points} sizes from 1 to every edge, spaced evenly on a log scale (each size once). */
    public static int[] sizes(int edges, int points) {
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        for (int i = 0; i < points; i++) {
            out.add((int) Math.round(Math.pow(edges, (double) i / Math.max(1, points - 1))));
        }
        out.add(0);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    public static Curve curve(Gpt2 model, List<Intervention> standing, List<PatchSpec> pairs, EdgeGraph graph, double[] scores,
                              String method, int[] sizes, SweepOptions options) {
        long begin = System.nanoTime();
        List<Selection> circuits = new ArrayList<>();
        for (int n : sizes) {
            circuits.add(top(graph, scores, n));
        }
        double[][] m = run(model, standing, pairs, circuits, options);
        int[] edges = new int[sizes.length];
        double[] faith = new double[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            edges[i] = circuits.get(i).edgeCount();
            faith[i] = faithfulness(m[i + 2][0], m[0][0], m[1][0]);
        }
        return new Curve(graph, method, sizes.clone(), edges, column(m, 2), faith, m[0][0], m[1][0], pairs.size(),
                (System.nanoTime() - begin) / 1e9);
    }

    private static double[] column(double[][] m, int from) {
        double[] out = new double[m.length - from];
        for (int i = from; i < m.length; i++) {
            out[i - from] = m[i][0];
        }
        return out;
    }

    /** Mean metrics over the pairs: row 0 the clean runs, 1 the corrupted, then one per circuit. */
    private static double[][] run(Gpt2 model, List<Intervention> standing, List<PatchSpec> pairs, List<Selection> circuits,
                                  SweepOptions options) {
        EdgeAttribution.check(model, pairs);
        double[][] sum = new double[2 + circuits.size()][1];
        for (PatchSpec pair : pairs) {
            Readout metric = Readout.of(pair.metric());
            List<Experiment> list = new ArrayList<>();
            list.add(Experiment.plain(pair.clean(), metric));
            list.add(Experiment.plain(pair.corrupt(), metric));
            for (Selection c : circuits) {
                list.add(experiment(c.graph(), c.edges(), pair));
            }
            Experiments.Outcome o = Experiments.run(model, standing, list, options);
            for (int i = 0; i < list.size(); i++) {
                sum[i][0] += o.value(i) / pairs.size();
            }
        }
        return sum;
    }

    private static double faithfulness(double m, double clean, double corrupt) {
        return clean == corrupt ? Double.NaN : (m - corrupt) / (clean - corrupt) + 0.0; // + 0.0: no -0 printed
    }
}
