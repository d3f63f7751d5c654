package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import jlens.CircuitsReference;
import jlens.Fixture;
import jlens.GraphReference;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Edge attribution against the fixture's independent float64 numbers: EAP-IG's edge names in its order, and every
 * edge's exact, EAP and EAP-IG (5 and 30 steps) score to float32 tolerance; the fast path's exact scores equal the
 * oracle's full pass per edge.
 */
class EdgeAttributionReferenceTest {
    private static Gpt2 model;
    private static EdgeAttribution.Scores exact;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        exact = EdgeAttribution.exact(model, List.of(), List.of(GraphReference.pair()), SweepOptions.patching());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void theGraphHasEapIgsEdgesInItsOrder() {
        JsonArray names = GraphReference.root().getAsJsonArray("edge_names");
        EdgeGraph g = EdgeGraph.of(model.config());
        assertEquals(GraphReference.root().get("n_edges").getAsInt(), g.edges().size());
        for (int i = 0; i < names.size(); i++) {
            assertEquals(names.get(i).getAsString(), g.edges().get(i).name(), "edge " + i);
        }
    }

    @Test
    void exactScoresMatchTheReference() {
        CircuitsReference.close(GraphReference.number("m_clean"), exact.mClean(), 1e-4, "m_clean");
        CircuitsReference.close(GraphReference.number("m_corrupt"), exact.mCorrupt(), 1e-4, "m_corrupt");
        assertMatches("exact", exact, 1e-4);
    }

    @Test
    void theFastPathEqualsTheNaivePerEdgeLoop() {
        EdgeAttribution.Scores naive = EdgeAttribution.exact(model, List.of(), List.of(GraphReference.pair()),
                SweepOptions.patching().withNaive(true));
        assertTrue(naive.naive() && !exact.naive());
        for (int i = 0; i < exact.scores().length; i++) {
            assertEquals(naive.scores()[i], exact.scores()[i], 2e-5, exact.graph().edges().get(i).name());
        }
    }

    @Test
    void eapMatchesTheReference() {
        assertMatches("eap", EdgeAttribution.eap(model, List.of(), List.of(GraphReference.pair()), SweepOptions.defaults()), 1e-4);
    }

    @Test
    void eapIgMatchesTheReferenceAtFiveAndThirtySteps() {
        JsonObject sums = GraphReference.root().getAsJsonObject("eap_ig_input_sum");
        for (int steps : new int[] {5, 30}) {
            EdgeAttribution.Scores s = EdgeAttribution.eapIg(model, List.of(), List.of(GraphReference.pair()), steps,
                    SweepOptions.defaults());
            assertMatches("eap_ig_" + steps, s, 1e-4);
            double input = 0;
            for (int i = 0; i < s.scores().length; i++) {
                if (s.graph().edges().get(i).sender() == 0) {
                    input += s.scores()[i];
                }
            }
            CircuitsReference.close(sums.get(String.valueOf(steps)).getAsDouble(), input, 1e-4, "input edges' sum, " + steps + " steps");
        }
    }

    private static void assertMatches(String key, EdgeAttribution.Scores s, double tolerance) {
        JsonObject ref = GraphReference.root().getAsJsonObject(key);
        assertEquals(ref.size(), s.scores().length);
        double worst = 0;
        String where = "";
        for (int i = 0; i < s.scores().length; i++) {
            String name = s.graph().edges().get(i).name();
            double d = Math.abs(ref.get(name).getAsDouble() - s.scores()[i]);
            if (d > worst) {
                worst = d;
                where = name;
            }
        }
        assertTrue(worst < tolerance, key + ": largest difference " + worst + " at " + where);
    }
}
