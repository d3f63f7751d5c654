package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import jlens.CircuitsReference;
import jlens.Fixture;
import jlens.analysis.Metric;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Attribution patching: each cell's estimate is the derivative of the metric along (clean - corrupt) at the
 * corrupted run, checked against a central difference of exact runs patched a small step along that direction.
 */
class PatchApproxTest {
    private static final double STEP = 1e-2;
    private static Gpt2 model;
    private static long[] clean;
    private static long[] corrupt;
    private static Metric metric;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        clean = CircuitsReference.ids(CircuitsReference.patching().getAsJsonArray("clean_ids"));
        corrupt = clean.clone();
        corrupt[2] = 11;
        corrupt[9] = 5335;
        metric = Metric.logitDiff(5335, 1757, -1);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @ParameterizedTest
    @MethodSource("jlens.intervene.PatchKind#values")
    void estimatesAreDirectionalDerivatives(PatchKind kind) {
        PatchSpec spec = new PatchSpec(clean, corrupt, kind, metric);
        PatchResult approx = Patch.approximate(model, spec, SweepOptions.patching());
        PatchResult exact = Patch.run(model, spec);
        assertEquals(PatchMethod.APPROX, approx.method());
        assertEquals(exact.mClean(), approx.mClean(), 1e-4);
        assertEquals(exact.mCorrupt(), approx.mCorrupt(), 1e-4);
        java.util.List<PatchCell> cells = spec.cells(model.config());
        int checked = 0;
        for (int i = 0; i < cells.size(); i += Math.max(1, cells.size() / 12)) {
            double derivative = (stepped(spec, cells.get(i), STEP) - stepped(spec, cells.get(i), -STEP)) / (2 * STEP);
            assertEquals(derivative, approx.raw()[i] - approx.mCorrupt(), 2e-3 * Math.max(1, Math.abs(derivative)),
                    kind + " cell " + cells.get(i));
            checked++;
        }
        assertTrue(checked >= 10);
        for (int i = 0; i < cells.size(); i++) {
            if (exact.raw()[i] == exact.mCorrupt()) { // the texts agree there: nothing to patch, estimate 0 too
                assertEquals(0.0, approx.raw()[i] - approx.mCorrupt(), 1e-6, kind + " cell " + cells.get(i));
            }
        }
        double r = approx.correlation(exact);
        assertTrue(r > -1 && r <= 1 + 1e-12, "correlation " + r);
    }

    /** The corrupted run's metric with the cell's slice moved {@code step} of the way to the clean activation. */
    private static double stepped(PatchSpec spec, PatchCell c, double step) {
        String name = spec.kind().hookName(c.layer());
        NDIndex slice = !spec.kind().perHead() ? new NDIndex(":, {}, :", c.position())
                : c.position() < 0 ? new NDIndex(":, :, {}, :", c.head())
                : new NDIndex(":, {}, {}, :", c.position(), c.head());
        try (Gpt2.Run cleanRun = model.run(clean, java.util.List.of(name)); NDManager m = model.manager().newSubManager();
             Hooks.Scope scope = model.hooks().scope()) {
            NDArray cleanValue = cleanRun.cache().get(name).get(m, slice);
            scope.add(name, (n, a) -> {
                NDArray copy = a.duplicate();
                NDArray here = a.get(slice);
                copy.set(slice, here.add(cleanValue.sub(here).mul((float) step)));
                return copy;
            });
            return metric.of(model.forward(corrupt, m));
        }
    }
}
