package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.BaseNDManager;
import jlens.CircuitsReference;
import jlens.Fixture;
import jlens.analysis.DirectLogitAttribution;
import jlens.analysis.LogitLens;
import jlens.analysis.Metric;
import jlens.model.Gpt2;
import org.junit.jupiter.api.Test;

/** Patching, the logit lens and attribution leave nothing behind in the model's manager. */
class PatchLeakTest {
    @Test
    void repeatedRunsLeaveTheModelsArraysAsTheyWere() {
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            BaseNDManager manager = (BaseNDManager) model.manager();
            long[] clean = CircuitsReference.ids(CircuitsReference.patching().getAsJsonArray("clean_ids"));
            long[] corrupt = CircuitsReference.ids(CircuitsReference.patching().getAsJsonArray("corrupt_ids"));
            Runnable all = () -> {
                for (PatchKind kind : PatchKind.values()) {
                    for (Metric metric : new Metric[] {Metric.logitDiff(5335, 1757, -1), Metric.logprob(5335, -1)}) {
                        PatchSpec spec = new PatchSpec(clean, corrupt, kind, metric);
                        Patch.run(model, spec);
                        Patch.run(model, spec, SweepOptions.patching().withNaive(true).withCancel(() -> false));
                    }
                }
                LogitLens.compute(model, clean, -2, -1);
                DirectLogitAttribution.compute(model, clean, -2, 5335, 1757);
            };
            all.run();
            int arrays = manager.getManagedArrays().size();
            all.run();
            all.run();
            assertEquals(arrays, manager.getManagedArrays().size(), "NDArrays owned by the model");
        }
    }
}
