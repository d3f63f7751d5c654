package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jlens.Fixture;
import jlens.analysis.Metric;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gradients of a metric at hook points ({@link Gradients}): the per-head inputs' derived gradients equal autograd
 * through the split pass, a gradient predicts a small change's effect (a finite difference through the engine), the
 * rows' mean is the mean of each row's own, and nothing is left in the model's manager.
 */
class GradientsTest {
    private static Gpt2 model;
    private static long[] ids;
    private static Readout diff;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        ids = Fixture.tokenIds();
        diff = Readout.of(Metric.logitDiff(ids[3], ids[5], -1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static List<String> inputs() {
        List<String> out = new ArrayList<>();
        for (int l = 0; l < model.config().nLayer(); l++) {
            for (String p : new String[] {HookPoint.Q_INPUT, HookPoint.K_INPUT, HookPoint.V_INPUT, HookPoint.MLP_IN}) {
                out.add(HookPoint.block(l, p));
            }
        }
        out.add(HookPoint.block(model.config().nLayer() - 1, HookPoint.RESID_POST));
        return out;
    }

    private static List<Experiment> rows() {
        float[] v = random(model.config().nEmbd(), 4);
        return List.of(Experiment.plain(ids, diff), new Experiment(ids, List.of(new Intervention(HookPoint.EMBED, Cells.ALL,
                Value.add(Value.Table.of(v), 0.7, "a vector"))), diff));
    }

    @Test
    void derivedHeadInputGradientsEqualAutogradThroughTheSplitPass() {
        try (NDManager m = model.manager().newSubManager()) {
            Gradients.Result fast = Gradients.of(model, List.of(), rows(), inputs(), List.of(), SweepOptions.defaults(), m);
            Gradients.Result naive = Gradients.of(model, List.of(), rows(), inputs(), List.of(),
                    SweepOptions.defaults().withNaive(true), m);
            for (String name : inputs()) {
                NDArray f = fast.gradients().get(name);
                NDArray n = naive.gradients().get(name);
                assertEquals(n.getShape(), f.getShape(), name);
                float scale = n.abs().max().getFloat();
                assertTrue(scale > 0, name + " has a gradient");
                assertTrue(f.sub(n).abs().max().getFloat() < 1e-4 * Math.max(1, scale), name);
            }
            assertEquals(naive.metrics()[1], fast.metrics()[1], 1e-5);
        }
    }

    /** (m(ε d) - m(0)) / ε, run exactly through the engine, against gradient . d at one head's key input. */
    @Test
    void aGradientPredictsASmallChange() {
        int c = model.config().nEmbd();
        int nh = model.config().nHead();
        String hook = HookPoint.block(1, HookPoint.K_INPUT);
        float[] d = random(ids.length * nh * c, 9);
        double eps = 1e-2;
        try (NDManager m = model.manager().newSubManager()) {
            Gradients.Result g = Gradients.of(model, List.of(), List.of(Experiment.plain(ids, diff)), List.of(hook), List.of(),
                    SweepOptions.defaults(), m);
            float[] grad = g.gradients().get(hook).toFloatArray(); // [1, T, NH, C]
            double predicted = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int k = 0; k < c; k++) {
                    int at = (t * nh + 2) * c + k; // head 2
                    predicted += grad[at] * d[at];
                }
            }
            float[][] rows = new float[ids.length][nh * c];
            for (int t = 0; t < ids.length; t++) {
                System.arraycopy(d, t * nh * c, rows[t], 0, nh * c);
            }
            Value step = Value.add(Value.Table.byPosition(rows), eps, "a step");
            Experiments.Outcome o = Experiments.run(model, List.of(Experiment.plain(ids, diff),
                    new Experiment(ids, List.of(new Intervention(hook, Cells.head(2), step)), diff)), SweepOptions.defaults());
            double measured = (o.value(1) - o.value(0)) / eps;
            assertTrue(Math.abs(predicted) > 1e-2, "the step matters: " + predicted);
            assertEquals(measured, predicted, 0.02 * Math.abs(predicted) + 1e-3);
        }
    }

    @Test
    void theMeanOverRowsIsTheMeanOfEachRowsOwn() {
        String hook = HookPoint.block(2, HookPoint.MLP_IN);
        try (NDManager m = model.manager().newSubManager()) {
            List<Experiment> rows = rows();
            NDArray both = Gradients.of(model, List.of(), rows, List.of(hook), List.of(), SweepOptions.defaults().withMaxBatchRows(ids.length), m)
                    .gradients().get(hook);
            NDArray a = Gradients.of(model, List.of(), rows.subList(0, 1), List.of(hook), List.of(), SweepOptions.defaults(), m).gradients().get(hook);
            NDArray b = Gradients.of(model, List.of(), rows.subList(1, 2), List.of(hook), List.of(), SweepOptions.defaults(), m).gradients().get(hook);
            assertTrue(both.sub(a.add(b).div(2f)).abs().max().getFloat() < 1e-5);
            assertTrue(a.sub(b).abs().max().getFloat() > 1e-4, "the rows differ");
        }
    }

    @Test
    void nothingIsLeftInTheModelsManagerAndLaterPassesAreUnchanged() {
        BaseNDManager manager = (BaseNDManager) model.manager();
        try (NDManager m = model.manager().newSubManager()) {
            float before = model.forward(ids, m).sum().getFloat();
            Runnable once = () -> {
                try (NDManager mine = model.manager().newSubManager()) {
                    Gradients.of(model, List.of(), rows(), inputs(), List.of(HookPoint.block(0, HookPoint.RESULT)), SweepOptions.defaults(), mine);
                }
            };
            once.run();
            int arrays = manager.getManagedArrays().size();
            once.run();
            once.run();
            assertEquals(arrays, manager.getManagedArrays().size(), "NDArrays owned by the model");
            NDArray after = model.forward(ids, m);
            assertEquals(before, after.sum().getFloat(), 0f, "a later pass gives the same logits");
            assertTrue(!after.hasGradient(), "and carries no gradient");
        }
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) r.nextGaussian();
        }
        return out;
    }
}
