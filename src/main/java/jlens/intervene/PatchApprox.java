package jlens.intervene;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;

/**
 * Attribution patching: the first-order estimate of every cell at once. One pass of the clean text records the
 * site; one pass of the corrupted text adds a zero that requires a gradient at the site of every layer, and one
 * backward pass of the metric gives {@code d metric / d activation} everywhere. A cell's estimate is
 * {@code m_corrupt + sum over its slice of (clean - corrupt) * gradient}. It is exact for a metric linear in the
 * activation and drifts as the patched change grows through non-linearities (LayerNorms, attention softmax, GELU),
 * which is why the REPL shows it beside the exact grid with their correlation.
 */
final class PatchApprox {
    private PatchApprox() {}

    static PatchResult run(Gpt2 model, PatchSpec spec, SweepOptions options) {
        long start = System.nanoTime();
        int nLayer = model.config().nLayer();
        int t = spec.tokens();
        int q = spec.metricPosition();
        Hooks hooks = new Hooks(HookPoint.all(nLayer), nLayer); // a private registry: the model's stays untouched
        float[][] clean = new float[nLayer][];
        float[][] corrupt = new float[nLayer][];
        float[][] grad = new float[nLayer][];
        double mClean;
        double mCorrupt;
        try (NDManager all = model.manager().newSubManager()) {
            try (Hooks.Scope record = hooks.scope()) {
                for (int l = 0; l < nLayer; l++) {
                    int layer = l;
                    record.add(spec.kind().hookName(l), (name, a) -> {
                        clean[layer] = floats(a);
                        return null;
                    });
                }
                mClean = spec.metric().ofFinalResidual(model, forward(model, all, spec.clean(), hooks, q), 1)[0];
            }
            options.checkCancel();
            NDArray[] zeros = new NDArray[nLayer];
            try (NDManager pass = all.newSubManager(); Hooks.Scope record = hooks.scope();
                 GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                for (int l = 0; l < nLayer; l++) {
                    int layer = l;
                    record.add(spec.kind().hookName(l), (name, a) -> {
                        corrupt[layer] = floats(a);
                        NDArray zero = pass.zeros(a.getShape(), a.getDataType()); // d metric / d zero = d metric / d a
                        zero.setRequiresGradient(true);
                        zeros[layer] = zero;
                        return a.add(zero);
                    });
                }
                NDArray metric = spec.metric().tensor(model, forward(model, pass, spec.corrupt(), hooks, q)); // [1]
                mCorrupt = metric.toType(DataType.FLOAT64, false).getDouble(0);
                collector.backward(metric);
                for (int l = 0; l < nLayer; l++) {
                    grad[l] = floats(zeros[l].getGradient());
                }
            }
        }
        List<PatchCell> cells = spec.cells(model.config());
        double[] raw = new double[cells.size()];
        double[] normalized = new double[cells.size()];
        for (int i = 0; i < raw.length; i++) {
            PatchCell c = cells.get(i);
            int width = clean[c.layer()].length / t; // C, or NH * HS at hook_z
            int headWidth = spec.kind().perHead() ? width / model.config().nHead() : width;
            int offset = spec.kind().perHead() ? c.head() * headWidth : 0;
            int from = c.position() < 0 ? 0 : c.position();
            int to = c.position() < 0 ? t - 1 : c.position();
            double sum = 0;
            for (int p = from; p <= to; p++) {
                int base = p * width + offset;
                for (int k = 0; k < headWidth; k++) {
                    sum += ((double) clean[c.layer()][base + k] - corrupt[c.layer()][base + k]) * grad[c.layer()][base + k];
                }
            }
            raw[i] = mCorrupt + sum;
            normalized[i] = PatchResult.normalize(raw[i], mClean, mCorrupt);
        }
        int[] shape = spec.kind().shape(nLayer, model.config().nHead(), t);
        return new PatchResult(spec, shape, raw, normalized, mClean, mCorrupt, PatchMethod.APPROX, cells.size(),
                (System.nanoTime() - start) / 1e9);
    }

    /** The final residual at {@code q}, {@code [1, C]}, of a pass over {@code ids} with {@code hooks}, in {@code into}. */
    private static NDArray forward(Gpt2 model, NDManager into, long[] ids, Hooks hooks, int q) {
        NDArray x = model.embed(into.create(ids, new Shape(1, ids.length)), 0, hooks); // [1, T, C]
        for (int l = 0; l < model.config().nLayer(); l++) {
            x = model.block(l, x, null, hooks).residual(); // [1, T, C]
        }
        return x.get(":, {}, :", q); // [1, C]
    }

    private static float[] floats(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
