package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import jlens.hook.Hooks;
import jlens.model.Gpt2;

/**
 * TransformerLens's {@code get_act_patch_*} loop, kept as the oracle for {@link PatchFast}: per cell, one full
 * forward pass of the corrupted text with a hook on the model's registry that writes the clean activation into a
 * copy of the corrupted one.
 */
final class PatchNaive {
    private PatchNaive() {}

    static PatchResult run(Gpt2 model, PatchSpec spec, SweepOptions options) {
        long start = System.nanoTime();
        int nLayer = model.config().nLayer();
        List<String> names = java.util.stream.IntStream.range(0, nLayer).mapToObj(spec.kind()::hookName).toList();
        List<PatchCell> cells = spec.cells(model.config());
        double[] raw = new double[cells.size()];
        try (Gpt2.Run clean = model.run(spec.clean(), names); Gpt2.Run corrupt = model.run(spec.corrupt(), List.of())) {
            double mClean = spec.metric().of(clean.logits());
            double mCorrupt = spec.metric().of(corrupt.logits());
            for (int i = 0; i < cells.size(); i++) {
                options.checkCancel();
                raw[i] = patched(model, spec, clean.cache().get(spec.kind().hookName(cells.get(i).layer())), cells.get(i));
                options.progress().update(i + 1, cells.size());
            }
            double[] normalized = new double[raw.length];
            for (int i = 0; i < raw.length; i++) {
                normalized[i] = PatchResult.normalize(raw[i], mClean, mCorrupt);
            }
            int[] shape = spec.kind().shape(nLayer, model.config().nHead(), spec.tokens());
            return new PatchResult(spec, shape, raw, normalized, mClean, mCorrupt, PatchMethod.NAIVE, cells.size(),
                    (System.nanoTime() - start) / 1e9);
        }
    }

    private static double patched(Gpt2 model, PatchSpec spec, NDArray cleanActivation, PatchCell c) {
        NDIndex slice = !spec.kind().perHead() ? new NDIndex(":, {}, :", c.position()) // [1, C]
                : c.position() < 0 ? new NDIndex(":, :, {}, :", c.head()) // [1, T, HS]
                : new NDIndex(":, {}, {}, :", c.position(), c.head()); // [1, HS]
        try (Hooks.Scope scope = model.hooks().scope(); NDManager m = model.manager().newSubManager()) {
            NDArray value = cleanActivation.get(m, slice);
            scope.add(spec.kind().hookName(c.layer()), (name, activation) -> {
                NDArray copy = activation.duplicate(); // hooks must not write into the pass's activation
                copy.set(slice, value);
                return copy;
            });
            return spec.metric().of(model.forward(spec.corrupt(), m));
        }
    }
}
