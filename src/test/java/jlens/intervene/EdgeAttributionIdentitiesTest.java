package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jlens.Fixture;
import jlens.GraphReference;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Known answers of edge attribution that hold for any model: EAP is exact to first order (a corruption of half the
 * size leaves about a quarter of the gap), EAP-IG's input edges add up to m_corrupt - m_clean as the steps grow, a text
 * with itself scores 0, and a set's scores are the mean of its pairs'.
 */
class EdgeAttributionIdentitiesTest {
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

    /** Σ over edges of |exact(ε) - ε EAP|, each edge carrying ε times its sender's corrupted difference. */
    private static double gap(double[] eap, double eps) {
        PatchSpec pair = GraphReference.pair();
        Readout metric = Readout.of(pair.metric());
        List<Experiment> list = new ArrayList<>(List.of(Experiment.plain(pair.clean(), metric)));
        for (EdgeGraph.Edge e : graph.edges()) {
            float[] w = EdgeAttribution.weights(graph, e);
            for (int i = 0; i < w.length; i++) {
                w[i] *= (float) eps;
            }
            list.add(new Experiment(pair.clean(), List.of(new Intervention(graph.inputHook(e), Cells.ALL,
                    new Value.Senders(pair.corrupt(), List.of(graph.sender(e)), w, "scaled"))), metric));
        }
        Experiments.Outcome o = Experiments.run(model, list, SweepOptions.patching());
        double sum = 0;
        for (int i = 0; i < eap.length; i++) {
            sum += Math.abs(o.value(i + 1) - o.value(0) - eps * eap[i]);
        }
        return sum;
    }

    @Test
    void eapIsExactToFirstOrder() {
        double[] eap = EdgeAttribution.eap(model, List.of(), List.of(GraphReference.pair()), SweepOptions.defaults()).scores();
        double big = gap(eap, 0.2);
        double half = gap(eap, 0.1);
        double ratio = big / half;
        assertTrue(ratio > 3.3 && ratio < 4.7, "halving the corruption divides the gap by " + ratio);
    }

    @Test
    void eapIgsInputEdgesTendToTheWholeChange() {
        double previous = Double.POSITIVE_INFINITY;
        for (int steps : new int[] {2, 10, 60}) {
            EdgeAttribution.Scores s = EdgeAttribution.eapIg(model, List.of(), List.of(GraphReference.pair()), steps, SweepOptions.defaults());
            double sum = 0;
            for (int i = 0; i < s.scores().length; i++) {
                sum += graph.edges().get(i).sender() == 0 ? s.scores()[i] : 0;
            }
            double error = Math.abs(sum - (s.mCorrupt() - s.mClean()));
            assertTrue(error < previous, steps + " steps: " + error + " after " + previous);
            previous = error;
        }
        assertTrue(previous < 0.02, "60 steps leave " + previous);
    }

    @Test
    void aTextWithItselfScoresZero() {
        long[] clean = GraphReference.clean();
        List<PatchSpec> same = List.of(new PatchSpec(clean, clean, PatchKind.HEADS, GraphReference.metric()));
        for (EdgeAttribution.Scores s : new EdgeAttribution.Scores[] {
                EdgeAttribution.exact(model, List.of(), same, SweepOptions.patching()),
                EdgeAttribution.eap(model, List.of(), same, SweepOptions.defaults()),
                EdgeAttribution.eapIg(model, List.of(), same, 3, SweepOptions.defaults())}) {
            for (double v : s.scores()) {
                assertEquals(0, v, 1e-6, s.describe());
            }
        }
    }

    @Test
    void aSetsScoresAreTheMeanOfItsPairs() {
        PatchSpec a = GraphReference.pair();
        PatchSpec b = a.noising();
        for (boolean exact : new boolean[] {true, false}) {
            EdgeAttribution.Scores both = exact ? EdgeAttribution.exact(model, List.of(), List.of(a, b), SweepOptions.patching())
                    : EdgeAttribution.eap(model, List.of(), List.of(a, b), SweepOptions.defaults());
            EdgeAttribution.Scores one = exact ? EdgeAttribution.exact(model, List.of(), List.of(a), SweepOptions.patching())
                    : EdgeAttribution.eap(model, List.of(), List.of(a), SweepOptions.defaults());
            EdgeAttribution.Scores two = exact ? EdgeAttribution.exact(model, List.of(), List.of(b), SweepOptions.patching())
                    : EdgeAttribution.eap(model, List.of(), List.of(b), SweepOptions.defaults());
            assertEquals(2, both.prompts());
            assertEquals((one.mClean() + two.mClean()) / 2, both.mClean(), 1e-9);
            double moved = 0;
            for (int i = 0; i < both.scores().length; i++) {
                assertEquals((one.scores()[i] + two.scores()[i]) / 2, both.scores()[i], 1e-9);
                moved += Math.abs(one.scores()[i] - two.scores()[i]);
            }
            assertTrue(moved > 1e-2, "the two pairs differ");
        }
    }
}
