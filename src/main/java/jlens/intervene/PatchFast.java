package jlens.intervene;

import static jlens.intervene.StepArrays.inStep;
import static jlens.intervene.StepArrays.keep;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jlens.analysis.Metric;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;

/**
 * Patching by reuse instead of one full pass per cell. A cell at layer l whose patched value first differs from
 * the corrupted run's at position p changes nothing before layer l nor at positions before p, and the metric at q
 * reads nothing after q. So the cell recomputes only layers l.. at positions p..q, from the corrupted run's
 * residual entering layer l, attending to the corrupted run's keys and values of positions before p. A cell whose
 * patched value is bit-identical to the corrupted one everywhere up to q (or that starts after q) equals the
 * corrupted run exactly and is not run at all. Cells with the same p form a batch that grows layer by layer (at
 * layer j it holds every cell that starts at or before j), so the batch streams each weight matrix once for all
 * its cells and its matrix products have many rows.
 */
final class PatchFast {
    /** Rows per unembedding product for a log-prob metric: bounds the {@code [rows, V]} logits. */
    private static final int UNEMBED_ROWS = 128;

    private final Gpt2 model;
    private final PatchSpec spec;
    private final SweepOptions options;
    private final int nLayer;
    private final int q; // the metric's position
    private final List<PatchCell> cells;
    private final Hooks passHooks; // private registries: the model's stays untouched
    private final Hooks cellHooks;
    private int done;
    private int total;

    private PatchFast(Gpt2 model, PatchSpec spec, SweepOptions options) {
        this.model = model;
        this.spec = spec;
        this.options = options;
        this.nLayer = model.config().nLayer();
        this.q = spec.metricPosition();
        this.cells = spec.cells(model.config());
        this.passHooks = new Hooks(HookPoint.all(nLayer), nLayer);
        this.cellHooks = new Hooks(HookPoint.all(nLayer), nLayer);
    }

    static PatchResult run(Gpt2 model, PatchSpec spec, SweepOptions options) {
        return new PatchFast(model, spec, options).run();
    }

    /** What a reference run keeps per layer: the site's activation, and for the corrupted run its stream. */
    private record Pass(NDArray[] site, NDArray[] residPre, NDArray[] k, NDArray[] v, NDArray last) {}

    /** Cells with the same first differing position, a batch's worth, by their indices, in layer order. */
    private record Chunk(int position, List<Integer> cells) {}

    private PatchResult run() {
        long start = System.nanoTime();
        double[] raw = new double[cells.size()];
        int computed = 0;
        double mClean;
        double mCorrupt;
        try (NDManager all = model.manager().newSubManager()) {
            Pass clean = pass(all, spec.clean(), false);
            Pass corrupt = pass(all, spec.corrupt(), true);
            double[] m = metric(clean.last().concat(corrupt.last(), 0)); // [2, C]
            mClean = m[0];
            mCorrupt = m[1];
            int[] starts = starts(clean.site(), corrupt.site());
            List<Chunk> chunks = chunks(starts);
            for (int i = 0; i < raw.length; i++) {
                raw[i] = mCorrupt; // cells that change nothing up to q: exactly the corrupted run
            }
            total = chunks.stream().mapToInt(c -> nLayer - layerOf(c, 0)).sum();
            for (Chunk chunk : chunks) {
                double[] values = runChunk(all, clean, corrupt, chunk);
                for (int b = 0; b < values.length; b++) {
                    raw[chunk.cells().get(b)] = values[b];
                }
                computed += values.length;
            }
        }
        double[] normalized = new double[raw.length];
        for (int i = 0; i < raw.length; i++) {
            normalized[i] = PatchResult.normalize(raw[i], mClean, mCorrupt);
        }
        int[] shape = spec.kind().shape(nLayer, model.config().nHead(), spec.tokens());
        return new PatchResult(spec, shape, raw, normalized, mClean, mCorrupt, PatchMethod.FAST, computed,
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * A pass over {@code ids} keeping the site's activation per layer ({@code [1, T, ...]}), the final residual at
     * q ({@code [1, C]}) and, with {@code stream}, each layer's input residual and keys and values.
     */
    private Pass pass(NDManager all, long[] ids, boolean stream) {
        Pass out = new Pass(new NDArray[nLayer], stream ? new NDArray[nLayer] : null, stream ? new NDArray[nLayer] : null,
                stream ? new NDArray[nLayer] : null, null);
        try (Hooks.Scope record = passHooks.scope()) {
            for (int l = 0; l < nLayer; l++) {
                int layer = l;
                record.add(spec.kind().hookName(l), (name, a) -> {
                    out.site()[layer] = keep(a, all);
                    return null;
                });
            }
            NDArray x = model.embed(all.create(ids, new Shape(1, ids.length)), 0, null); // [1, T, C]
            for (int l = 0; l < nLayer; l++) {
                options.checkCancel();
                try (NDManager step = all.newSubManager()) {
                    if (stream) {
                        out.residPre()[l] = keep(x, all); // [1, T, C]
                    }
                    x.attach(step); // this layer's input and all computed from it are freed with the step
                    Gpt2.BlockOutput o = model.block(l, x, null, passHooks);
                    if (stream) {
                        out.k()[l] = keep(o.k(), all); // [1, NH, T, HS]
                        out.v()[l] = keep(o.v(), all); // [1, NH, T, HS]
                    }
                    x = o.residual(); // [1, T, C]
                    x.attach(all);
                }
            }
            return new Pass(out.site(), out.residPre(), out.k(), out.v(), x.get(":, {}, :", q)); // last: [1, C]
        }
    }

    /**
     * Per cell, the first position up to q where the patched activation differs from the corrupted run's in any
     * bit, or -1 if there is none: then patching changes nothing the metric reads.
     */
    private int[] starts(NDArray[] cleanSite, NDArray[] corruptSite) {
        int[] out = new int[cells.size()];
        float[][] a = new float[nLayer][];
        float[][] b = new float[nLayer][];
        for (int l = 0; l < nLayer; l++) {
            a[l] = floats(cleanSite[l]);
            b[l] = floats(corruptSite[l]);
        }
        int t = spec.tokens();
        for (int i = 0; i < out.length; i++) {
            PatchCell c = cells.get(i);
            int width = a[c.layer()].length / t; // C, or NH * HS at hook_z
            int headWidth = spec.kind().perHead() ? width / model.config().nHead() : width;
            int offset = spec.kind().perHead() ? c.head() * headWidth : 0;
            int from = c.position() < 0 ? 0 : c.position();
            int to = c.position() < 0 ? q : Math.min(c.position(), q);
            out[i] = -1;
            for (int p = from; p <= to && out[i] < 0; p++) {
                int base = p * width + offset;
                for (int k = 0; k < headWidth; k++) {
                    if (Float.floatToRawIntBits(a[c.layer()][base + k]) != Float.floatToRawIntBits(b[c.layer()][base + k])) {
                        out[i] = p;
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** Groups the cells that need running by start position, in layer order, in batches of at most maxBatchRows rows. */
    private List<Chunk> chunks(int[] starts) {
        Map<Integer, List<Integer>> byPosition = new TreeMap<>();
        for (int i = 0; i < starts.length; i++) {
            if (starts[i] >= 0) {
                byPosition.computeIfAbsent(starts[i], x -> new ArrayList<>()).add(i);
            }
        }
        List<Chunk> out = new ArrayList<>();
        byPosition.forEach((p, list) -> {
            list.sort(Comparator.comparingInt(i -> cells.get(i).layer()));
            int perBatch = Math.max(1, options.maxBatchRows() / (q - p + 1));
            for (int from = 0; from < list.size(); from += perBatch) {
                out.add(new Chunk(p, List.copyOf(list.subList(from, Math.min(list.size(), from + perBatch)))));
            }
        });
        return out;
    }

    /** A chunk's cells as a batch {@code [B, W, C]} over positions p..q, from its first cell's layer to the last. */
    private double[] runChunk(NDManager all, Pass clean, Pass corrupt, Chunk chunk) {
        int p = chunk.position();
        int n = chunk.cells().size();
        NDArray x = null; // [B, W, C], in `all` between layers
        int joined = 0;
        for (int l = layerOf(chunk, 0); l < nLayer; l++) {
            options.checkCancel();
            try (NDManager step = all.newSubManager(); Hooks.Scope patch = cellHooks.scope()) {
                int first = joined;
                while (joined < n && layerOf(chunk, joined) == l) {
                    joined++;
                }
                if (x != null) {
                    x.attach(step); // the last layer's output: freed with this step
                }
                if (joined > first) {
                    NDArray fresh = inStep(corrupt.residPre()[l], step).get(":, {}:{}, :", p, q + 1)
                            .repeat(0, joined - first); // [n, W, C]
                    x = x == null ? fresh : x.concat(fresh, 0); // [B, W, C]
                    List<PatchCell> joining = chunk.cells().subList(first, joined).stream().map(cells::get).toList();
                    NDArray window = inStep(clean.site()[l], step).get(":, {}:{}", p, q + 1); // [1, W, ...]
                    patch.add(spec.kind().hookName(l), new PatchHook(joining, first, p, window));
                }
                Gpt2.KvPrefix prefix = p == 0 ? null
                        : new Gpt2.KvPrefix(inStep(corrupt.k()[l], step).get(":, :, :{}, :", p), // [1, NH, P, HS]
                                inStep(corrupt.v()[l], step).get(":, :, :{}, :", p)); // [1, NH, P, HS]
                x = model.block(l, x, prefix, cellHooks).residual(); // [B, W, C]
                x.attach(all);
            }
            options.progress().update(++done, total);
        }
        try (NDManager end = all.newSubManager()) {
            x.attach(end);
            return metric(x.get(":, {}, :", q - p)); // [B, C]
        }
    }

    private int layerOf(Chunk chunk, int i) {
        return cells.get(chunk.cells().get(i)).layer();
    }

    private double[] metric(NDArray last) {
        Metric metric = spec.metric();
        return metric.ofFinalResidual(model, last, UNEMBED_ROWS);
    }

    private static float[] floats(NDArray a) {
        return a.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 ? a.toFloatArray()
                : a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }
}
