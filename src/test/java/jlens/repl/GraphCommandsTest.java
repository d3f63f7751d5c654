package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import jlens.GraphReference;
import jlens.intervene.Circuit;
import jlens.intervene.EdgeAttribution;
import jlens.intervene.PathPatching;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** path, edges, circuit and load GRAPH.json from the REPL: output, saved files, a graph read back, one-line errors. */
class GraphCommandsTest {
    private static final String CLEAN = "text \"After John and Mary went to the store, John gave a bottle of milk to\"";
    private static final String CORRUPT = "corrupt \"After John and Mary went to the store, Mary gave a bottle of milk to\"";

    @TempDir
    Path tmp;

    private static TestSessions.Buffered ioi() {
        TestSessions.Buffered b = TestSessions.session().exec(CLEAN, CORRUPT, "metric logitdiff \" Mary\" \" John\"");
        b.take();
        return b;
    }

    @Test
    void pathMatchesTheReferenceAndSaves() throws Exception {
        TestSessions.Buffered b = ioi();
        b.exec("path");
        String out = b.take();
        assertTrue(out.contains("m_clean -6.4286") && out.contains("path patching to the final residual"), out);
        PathPatching.Grid g = (PathPatching.Grid) b.session().lastResult().value();
        double[][] expected = GraphReference.grid(GraphReference.root().getAsJsonArray("path_final"));
        for (int l = 0; l < expected.length; l++) {
            for (int h = 0; h < expected[l].length; h++) {
                assertEquals(expected[l][h], g.normalized(l, h), 2e-4);
            }
        }
        Path npy = tmp.resolve("path.npy");
        b.exec("save " + npy);
        assertArrayEquals(g.normalized(), NpyF64.read(npy, new long[] {3, 4}), 0.0);
        Path json = tmp.resolve("path.json");
        b.exec("save " + json);
        JsonObject result = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("result");
        assertEquals(g.mClean(), result.get("mClean").getAsDouble(), 0.0);
        assertEquals(12, result.getAsJsonArray("raw").size());
        b.exec("path to 1.0 k --approx");
        out = b.take();
        assertTrue(out.contains("an approximation; correlation with the exact grid"), out);
        assertTrue(((PathPatching.Grid) b.session().lastResult().value()).approx());
    }

    @Test
    void edgesSaveEapIgsGraphFileAndLoadReadsItBack() throws Exception {
        TestSessions.Buffered b = ioi();
        b.exec("edges eap-ig steps 5");
        String out = b.take();
        assertTrue(out.contains("eap-ig (5 steps) scores of 262 edges"), out);
        EdgeAttribution.Scores s = (EdgeAttribution.Scores) b.session().lastResult().value();
        Path json = tmp.resolve("edges.json");
        b.exec("save " + json);
        assertTrue(b.take().contains("EAP-IG's graph file"));
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(s.score("input->a0.h1<k>"), root.getAsJsonObject("edges").getAsJsonObject("input->a0.h1<k>").get("score").getAsDouble(), 0);
        assertEquals(3, root.getAsJsonObject("cfg").get("n_layers").getAsInt());
        Path csv = tmp.resolve("edges.csv");
        b.exec("save " + csv);
        assertTrue(Files.readString(csv).startsWith("edge,sender,receiver,input,score\ninput->a0.h0<q>,input,a0.h0,q,"));
        b.exec("circuit top 40");
        out = b.take();
        assertTrue(out.contains("circuit (top 40, pruned as EAP-IG prunes)"), out);
        Circuit.Selection c = (Circuit.Selection) b.session().lastResult().value();
        Path circuit = tmp.resolve("circuit.json");
        b.exec("save " + circuit, "circuit eval");
        out = b.take();
        assertTrue(out.contains("faithfulness (m_circuit - m_corrupt) / (m_clean - m_corrupt) = "), out);

        TestSessions.Buffered other = ioi();
        other.exec("load " + circuit);
        out = other.take();
        assertTrue(out.contains("loaded EAP-IG's graph file"), out);
        Circuit.Selection back = (Circuit.Selection) other.session().lastResult().value();
        assertArrayEquals(c.edges(), back.edges());
        other.exec("load " + json, "circuit top 40");
        assertArrayEquals(c.edges(), ((Circuit.Selection) other.session().lastResult().value()).edges());
    }

    @Test
    void aChosenCircuitIsDrawnAndSavesAsGraphviz() throws Exception {
        TestSessions.Buffered b = ioi();
        b.exec("edges eap", "circuit top 6");
        String out = b.take();
        Circuit.Selection c = (Circuit.Selection) b.session().lastResult().value();
        jlens.chart.CircuitDiagram drawn = (jlens.chart.CircuitDiagram) b.session().lastChart();
        // the drawing holds the circuit's edges with their scores, and its boxes are on the screen
        assertEquals(new java.util.TreeSet<>(c.edgeNames()),
                new java.util.TreeSet<>(drawn.edges().stream().map(jlens.chart.CircuitDiagram.Edge::name).toList()));
        assertTrue(out.contains("logits"), out);
        Path dot = tmp.resolve("circuit.dot");
        b.exec("save " + dot);
        String text = Files.readString(dot);
        assertTrue(text.startsWith("digraph") && text.contains("logits"), text);
        b.exec("circuit show");
        assertEquals(c.edgeNames(), ((Circuit.Selection) b.session().lastResult().value()).edgeNames());
    }

    @Test
    void theFullCurveEndsAtTheCleanMetric() {
        TestSessions.Buffered b = ioi();
        b.exec("edges eap", "circuit curve 4");
        String out = b.take();
        assertTrue(out.contains("faithfulness by circuit size"), out);
        Circuit.Curve c = (Circuit.Curve) b.session().lastResult().value();
        assertEquals(1, c.faithfulness()[c.faithfulness().length - 1], 1e-4);
        assertEquals(0, c.faithfulness()[0], 1e-4);
    }

    @Test
    void mistakesGetOneLine() throws Exception {
        TestSessions.Buffered b = ioi();
        TestSessions.assertOneLineError(b, "circuit top 5", "no edge scores yet");
        TestSessions.assertOneLineError(b, "edges bogus", "edges takes exact, eap or eap-ig");
        TestSessions.assertOneLineError(b, "path to 7.1 q", "no head 7.1");
        TestSessions.assertOneLineError(b, "path to 1.0 x", "a receiver's input is q, k or v");
        TestSessions.assertOneLineError(b, "edges eap-ig steps 0", "EAP-IG takes 1 to 1000 steps");
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"cfg\": {\"n_layers\": 12, \"n_heads\": 12, \"d_model\": 768}, \"nodes\": {}, \"edges\": {}}");
        TestSessions.assertOneLineError(b, "load " + bad, "this graph is of a model with 12 layers");
        b.exec("edges eap");
        b.take();
        TestSessions.assertOneLineError(b, "circuit top 9999", "the graph has 262 edges");
        TestSessions.assertOneLineError(b, "circuit eval", "no circuit yet");
        TestSessions.Buffered none = TestSessions.session().exec(CLEAN);
        none.take();
        TestSessions.assertOneLineError(none, "edges eap", "no corrupted text yet");
    }
}
