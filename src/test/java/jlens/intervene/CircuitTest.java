package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import jlens.CircuitsReference;
import jlens.Fixture;
import jlens.GraphReference;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Circuits: EAP-IG's selection rules and pruning on hand-made scores, the full graph giving the clean metric and the
 * empty one the corrupted metric, the reference's circuit evaluations, the faithfulness curve's ends, and EAP-IG's
 * graph file written and read back.
 */
class CircuitTest {
    private static Gpt2 model;
    private static EdgeGraph graph;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        graph = EdgeGraph.of(model.config());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** input -k-> a1.h1 -q-> a2.h0 -> logits scores 3, 4, 5, and a larger edge into a0.h0 that leads nowhere. */
    private static double[] chain() {
        double[] s = new double[graph.edges().size()];
        s[graph.indexOf("input->a0.h0<q>")] = -10;
        s[graph.indexOf("a2.h0->logits")] = 5;
        s[graph.indexOf("a1.h1->a2.h0<q>")] = -4;
        s[graph.indexOf("input->a1.h1<k>")] = 3;
        return s;
    }

    @Test
    void topNTakesTheLargestMagnitudesThenPrunesWhatIsLeftUnconnected() {
        Circuit.Selection three = Circuit.top(graph, chain(), 3);
        assertEquals(0, three.edgeCount(), "a0.h0 leads nowhere, a1.h1 has no input: all pruned");
        Circuit.Selection four = Circuit.top(graph, chain(), 4);
        assertEquals(List.of("input->a1.h1<k>", "a1.h1->a2.h0<q>", "a2.h0->logits"), four.edgeNames());
        assertTrue(four.nodes()[graph.nodeIndex("a1.h1")] && !four.nodes()[graph.nodeIndex("a0.h0")]);
        assertEquals(3, Circuit.threshold(graph, chain(), 3).edgeCount());
        assertEquals(0, Circuit.threshold(graph, chain(), 3.5).edgeCount());
    }

    @Test
    void greedyGrowsFromTheLogitsUp() {
        Circuit.Selection g = Circuit.greedy(graph, chain(), 3);
        assertEquals(List.of("input->a1.h1<k>", "a1.h1->a2.h0<q>", "a2.h0->logits"), g.edgeNames());
        assertEquals(0, Circuit.greedy(graph, chain(), 2).edgeCount(), "a1.h1 without its input is pruned, then a2.h0");
        assertThrows(IllegalArgumentException.class, () -> Circuit.greedy(graph, chain(), graph.edges().size() + 1));
    }

    @Test
    void theTopEdgesAreTheReferencesInItsOrder() {
        double[] exact = exactScores();
        JsonArray top = GraphReference.root().getAsJsonArray("top_exact");
        Integer[] order = new Integer[exact.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(Math.abs(exact[b]), Math.abs(exact[a])));
        for (int i = 0; i < top.size(); i++) {
            assertEquals(top.get(i).getAsJsonArray().get(0).getAsString(), graph.edges().get(order[i]).name());
        }
    }

    @Test
    void theFullGraphGivesTheCleanMetricAndTheEmptyOneTheCorrupted() {
        double[] s = new double[graph.edges().size()];
        List<PatchSpec> pair = List.of(GraphReference.pair());
        Circuit.Eval full = Circuit.eval(model, List.of(), pair, Circuit.full(graph, s), SweepOptions.patching());
        Circuit.Eval empty = Circuit.eval(model, List.of(), pair, Circuit.empty(graph, s), SweepOptions.patching());
        assertEquals(full.mClean(), full.m(), 1e-5);
        assertEquals(1, full.faithfulness(), 1e-4);
        assertEquals(empty.mCorrupt(), empty.m(), 1e-5);
        assertEquals(0, empty.faithfulness(), 1e-4);
        CircuitsReference.close(GraphReference.number("m_empty_graph"), empty.m(), 1e-4, "m_empty_graph");
    }

    @Test
    void circuitEvaluationsMatchTheReference() {
        JsonObject evals = GraphReference.root().getAsJsonObject("circuit_eval_top_exact");
        double[] exact = exactScores();
        for (Map.Entry<String, JsonElement> e : evals.entrySet()) {
            boolean[] edges = new boolean[graph.edges().size()];
            for (JsonElement name : e.getValue().getAsJsonObject().getAsJsonArray("edges")) {
                edges[graph.indexOf(name.getAsString())] = true;
            }
            Circuit.Selection c = Circuit.of(graph, exact, edges, new boolean[graph.nodes().size()], "top " + e.getKey());
            Circuit.Eval ev = Circuit.eval(model, List.of(), List.of(GraphReference.pair()), c, SweepOptions.patching());
            CircuitsReference.close(e.getValue().getAsJsonObject().get("m").getAsDouble(), ev.m(), 1e-4, "circuit of " + e.getKey() + " edges");
        }
    }

    @Test
    void theCurveRunsFromTheCorruptedToTheCleanMetric() {
        double[] exact = exactScores();
        int[] sizes = Circuit.sizes(exact.length, 6);
        assertEquals(0, sizes[0]);
        assertEquals(exact.length, sizes[sizes.length - 1]);
        Circuit.Curve c = Circuit.curve(model, List.of(), List.of(GraphReference.pair()), graph, exact, "exact", sizes,
                SweepOptions.patching());
        assertEquals(0, c.faithfulness()[0], 1e-4);
        assertEquals(1, c.faithfulness()[sizes.length - 1], 1e-4);
        assertEquals(exact.length, c.edges()[sizes.length - 1]);
        Circuit.Eval top = Circuit.eval(model, List.of(), List.of(GraphReference.pair()), Circuit.top(graph, exact, sizes[2]),
                SweepOptions.patching());
        assertEquals(top.m(), c.m()[2], 1e-6, "a point of the curve is that circuit's evaluation");
    }

    @Test
    void eapIgsGraphFileIsWrittenAndReadBack() {
        Circuit.Selection four = Circuit.top(graph, chain(), 4);
        String json = four.toJson();
        JsonObject root = JsonParser.parseString(json).getAsJsonObject();
        assertEquals(3, root.getAsJsonObject("cfg").get("n_layers").getAsInt());
        assertEquals(4, root.getAsJsonObject("cfg").get("n_heads").getAsInt());
        assertEquals(32, root.getAsJsonObject("cfg").get("d_model").getAsInt());
        assertTrue(!root.getAsJsonObject("cfg").get("parallel_attn_mlp").getAsBoolean());
        assertEquals(graph.nodes().size(), root.getAsJsonObject("nodes").size());
        assertTrue(root.getAsJsonObject("nodes").getAsJsonObject("a1.h1").get("in_graph").getAsBoolean());
        JsonObject edge = root.getAsJsonObject("edges").getAsJsonObject("a1.h1->a2.h0<q>");
        assertEquals(-4, edge.get("score").getAsDouble());
        assertTrue(edge.get("in_graph").getAsBoolean());
        GraphJson.Read back = GraphJson.read(json, graph);
        assertArrayEquals(four.edges(), back.edges());
        assertArrayEquals(four.nodes(), back.nodes());
        assertArrayEquals(chain(), back.scores());
        EdgeGraph other = EdgeGraph.of(4, 4, 32);
        assertThrows(IllegalArgumentException.class, () -> GraphJson.read(json, other));
        assertThrows(IllegalArgumentException.class, () -> GraphJson.read(json.replace("a1.h1->a2.h0<q>", "a1.h1->a9.h0<q>"), graph));
        assertThrows(IllegalArgumentException.class, () -> GraphJson.read("[1]", graph));
    }

    private static double[] exactScores() {
        JsonObject exact = GraphReference.root().getAsJsonObject("exact");
        double[] s = new double[graph.edges().size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = exact.get(graph.edges().get(i).name()).getAsDouble();
        }
        return s;
    }
}
