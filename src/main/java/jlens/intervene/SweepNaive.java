package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import jlens.hook.Hooks;
import jlens.model.Gpt2;

/**
 * The notebook's loop, kept as the oracle for {@link SweepFast}: per case, one full forward pass with a hook on
 * the model's registry that overwrites the ablated slice of a copy of the activation.
 */
final class SweepNaive {
    private SweepNaive() {}

    static SweepResult run(Gpt2 model, SweepSpec spec, SweepOptions options) {
        long start = System.nanoTime();
        List<String> names = spec.cases().stream().map(c -> spec.site().hookName(c.layer())).distinct().toList();
        int nLayer = model.config().nLayer();
        try (Gpt2.Run clean = model.run(spec.ids(), AblationSource.needsClean(spec.kind()) ? names : List.of());
             Gpt2.Run corrupt = spec.corruptIds() == null ? null : model.run(spec.corruptIds(), names)) {
            AblationSource source = new AblationSource(spec.kind(), sitePerLayer(clean, nLayer, spec),
                    corrupt == null ? null : sitePerLayer(corrupt, nLayer, spec));
            double cleanLogprob = logprob(clean.logits(), spec);
            List<SweepRecord> records = new ArrayList<>();
            int total = spec.cases().size();
            for (AblationCase c : spec.cases()) {
                SweepCancel.check(options);
                records.add(new SweepRecord(c.layer(), c.head(), c.position(), ablated(model, spec, source, c), cleanLogprob));
                options.progress().update(records.size(), total);
            }
            return new SweepResult(spec, cleanLogprob, records, true, (System.nanoTime() - start) / 1e9);
        }
    }

    private static double ablated(Gpt2 model, SweepSpec spec, AblationSource source, AblationCase c) {
        NDIndex slice = spec.site().perHead() ? new NDIndex(":, {}, {}, :", c.position(), c.head()) // [1, HS]
                : new NDIndex(":, {}, :", c.position()); // [1, C]
        try (Hooks.Scope scope = model.hooks().scope(); NDManager m = model.manager().newSubManager()) {
            NDArray window = source.window(c.layer(), c.position(), c.position() + 1, m); // [1, 1, ...] or null
            NDArray value = window == null ? null
                    : spec.site().perHead() ? window.get(":, 0, {}, :", c.head()) : window.get(":, 0, :"); // [1, HS] or [1, C]
            scope.add(spec.site().hookName(c.layer()), (name, activation) -> {
                NDArray copy = activation.duplicate(); // hooks must not write into the pass's activation
                if (value == null) {
                    copy.set(slice, 0f);
                } else {
                    copy.set(slice, value);
                }
                return copy;
            });
            return logprob(model.forward(spec.ids(), m), spec);
        }
    }

    private static double logprob(NDArray logits, SweepSpec spec) {
        return logits.get(0, spec.predictAt()).logSoftmax(0).getFloat(spec.target()); // logits [1, T, V]
    }

    private static NDArray[] sitePerLayer(Gpt2.Run run, int nLayer, SweepSpec spec) {
        NDArray[] out = new NDArray[nLayer];
        if (run.cache().size() > 0) {
            spec.cases().forEach(c -> out[c.layer()] = run.cache().get(spec.site().hookName(c.layer())));
        }
        return out;
    }
}
