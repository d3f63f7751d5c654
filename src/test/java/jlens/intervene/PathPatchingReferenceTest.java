package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Path patching against the fixture's float64 numbers (to the final residual, and to head 1.0's q, k and v), and its
 * known answers: the text patched with itself gives 0 everywhere; a last-layer sender's path to the final residual is
 * noising activation patching of its z; the direct-path approximation to the final residual is the edge
 * {@code a{l}.h{h}->logits}'s exact score.
 */
class PathPatchingReferenceTest {
    private static Gpt2 model;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void pathsToTheFinalResidualMatchTheReference() {
        PathPatching.Grid g = PathPatching.toFinal(model, List.of(), GraphReference.pair(), SweepOptions.patching());
        assertGrid(GraphReference.grid(GraphReference.root().getAsJsonArray("path_final")), g, "path_final");
        CircuitsReference.close(GraphReference.number("m_clean"), g.mClean(), 1e-4, "m_clean");
    }

    @Test
    void pathsToHeadInputsMatchTheReference() {
        JsonObject heads = GraphReference.root().getAsJsonObject("path_heads");
        for (char input : new char[] {'q', 'k', 'v'}) {
            PathPatching.Grid g = PathPatching.toHeads(model, List.of(), GraphReference.pair(), List.of(new PathPatching.Head(1, 0)),
                    input, SweepOptions.patching());
            assertGrid(GraphReference.grid(heads.getAsJsonArray("1.0<" + input + ">")), g, "1.0<" + input + ">");
            assertTrue(g.computed()[3] && !g.computed()[4], "senders of layer 0 only");
        }
    }

    @Test
    void theTextPatchedWithItselfGivesZeroEverywhere() {
        long[] clean = GraphReference.clean();
        PatchSpec same = new PatchSpec(clean, clean, PatchKind.HEADS, GraphReference.metric());
        PathPatching.Grid g = PathPatching.toFinal(model, List.of(), same, SweepOptions.patching());
        PathPatching.Grid k = PathPatching.toHeads(model, List.of(), same, List.of(new PathPatching.Head(2, 1)), 'k', SweepOptions.patching());
        for (int i = 0; i < g.raw().length; i++) {
            assertEquals(g.mClean(), g.raw()[i], 1e-5);
            assertEquals(k.mClean(), k.raw()[i], 1e-5);
        }
    }

    @Test
    void aLastLayerSendersPathIsNoisingActivationPatchingOfItsZ() {
        PathPatching.Grid g = PathPatching.toFinal(model, List.of(), GraphReference.pair(), SweepOptions.patching());
        PatchResult p = Patch.run(model, GraphReference.pair().noising(), SweepOptions.patching());
        int last = model.config().nLayer() - 1;
        for (int h = 0; h < model.config().nHead(); h++) {
            assertEquals(p.raw(last, h), g.raw()[last * model.config().nHead() + h], 1e-5, "head " + last + "." + h);
        }
        assertTrue(Math.abs(g.raw()[0] - p.raw(0, 0)) > 1e-3, "an earlier sender's path is not its whole effect");
    }

    @Test
    void theDirectPathApproximationToTheFinalResidualIsTheLogitsEdge() {
        PathPatching.Grid a = PathPatching.approximate(model, List.of(), GraphReference.pair(), List.of(), 'q', SweepOptions.patching());
        JsonObject exact = GraphReference.root().getAsJsonObject("exact");
        int nh = model.config().nHead();
        for (int i = 0; i < a.raw().length; i++) {
            double edge = exact.get("a" + i / nh + ".h" + i % nh + "->logits").getAsDouble();
            assertEquals(edge, a.raw()[i] - a.mClean(), 1e-4, "head " + i / nh + "." + i % nh);
        }
        PathPatching.Grid g = PathPatching.toFinal(model, List.of(), GraphReference.pair(), SweepOptions.patching());
        double r = a.correlation(g);
        assertTrue(r > -1 && r < 1, "a correlation: " + r);
    }

    /** To heads, the approximation is the sender's edge into the receiver, then the receiver's edge to the logits. */
    @Test
    void theDirectPathApproximationToAHeadRunsThroughTheReceiversOutputAlone() {
        PathPatching.Grid a = PathPatching.approximate(model, List.of(), GraphReference.pair(), List.of(new PathPatching.Head(1, 0)),
                'k', SweepOptions.patching());
        PathPatching.Grid exact = PathPatching.toHeads(model, List.of(), GraphReference.pair(), List.of(new PathPatching.Head(1, 0)),
                'k', SweepOptions.patching());
        int nh = model.config().nHead();
        for (int i = nh; i < a.raw().length; i++) {
            assertEquals(a.mClean(), a.raw()[i], 0, "senders after the receiver are not run");
        }
        double moved = 0;
        for (int h = 0; h < nh; h++) {
            moved += Math.abs(a.raw()[h] - a.mClean());
        }
        assertTrue(moved > 1e-4, "the senders move the metric");
        assertTrue(Double.isFinite(a.correlation(exact)));
    }

    private static void assertGrid(double[][] expected, PathPatching.Grid g, String what) {
        for (int l = 0; l < expected.length; l++) {
            for (int h = 0; h < expected[l].length; h++) {
                CircuitsReference.close(expected[l][h], g.normalized(l, h), 2e-4, what + " [" + l + "][" + h + "]");
            }
        }
    }
}
