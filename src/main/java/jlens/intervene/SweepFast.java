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
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.BlockWithRider;
import jlens.model.Gpt2;

/**
 * Sweeps by reuse instead of one full pass per case. An ablation at layer l, position p changes nothing before
 * layer l nor at positions before p, and the prediction at q reads nothing after q. So a case only recomputes
 * layers l.. at positions p..q, attending to the clean keys and values of positions before p. Cases with the
 * same p form a batch that grows layer by layer (at layer j it holds every case that starts at or before j), and
 * the first batch rides on the clean pass itself ({@link BlockWithRider}): a notebook sweep or a whole
 * layer x head grid streams each weight matrix once. Further batches (other start positions, or a batch split
 * to bound memory) reuse the clean pass's residuals, keys and values, one more weight stream each.
 */
final class SweepFast {
    /** Rows per unembedding product: bounds the {@code [rows, V]} logits (26 MB for GPT-2's vocabulary). */
    private static final int UNEMBED_ROWS = 128;

    private final Gpt2 model;
    private final SweepSpec spec;
    private final SweepOptions options;
    private final int nLayer;
    private final int q; // the prediction position
    private final Hooks cleanHooks; // the sweep's own registries: the model's stays untouched
    private final Hooks caseHooks;
    private int done;
    private int total;

    private SweepFast(Gpt2 model, SweepSpec spec, SweepOptions options) {
        this.model = model;
        this.spec = spec;
        this.options = options;
        this.nLayer = model.config().nLayer();
        this.q = spec.predictAt();
        this.cleanHooks = new Hooks(HookPoint.all(nLayer), nLayer);
        this.caseHooks = new Hooks(HookPoint.all(nLayer), nLayer);
    }

    static SweepResult run(Gpt2 model, SweepSpec spec, SweepOptions options) {
        return new SweepFast(model, spec, options).run();
    }

    /** Cases starting at the same position, a batch's worth, by their indices in the spec, by layer. */
    private record Chunk(int position, List<Integer> cases) {}

    /** What the clean pass keeps per layer for later batches and for the replacement values. */
    private record Clean(NDArray[] residPre, NDArray[] k, NDArray[] v, NDArray[] site) {
        Clean(int nLayer) {
            this(new NDArray[nLayer], new NDArray[nLayer], new NDArray[nLayer], new NDArray[nLayer]);
        }
    }

    private SweepResult run() {
        long start = System.nanoTime();
        double[] logprobs = new double[spec.cases().size()];
        try (NDManager sweep = model.manager().newSubManager()) {
            NDArray[] corruptSite = spec.corruptIds() == null ? null : sitePass(sweep, spec.corruptIds());
            Clean clean = new Clean(nLayer);
            AblationSource source = new AblationSource(spec.kind(), clean.site(), corruptSite);
            List<Chunk> chunks = chunks();
            total = nLayer + chunks.stream().skip(1).mapToInt(c -> nLayer - firstLayer(c)).sum();
            double cleanLogprob = cleanPass(sweep, clean, source, chunks.isEmpty() ? null : new Batch(chunks.get(0)),
                    chunks.size() > 1, logprobs);
            for (Chunk chunk : chunks.subList(Math.min(1, chunks.size()), chunks.size())) {
                runChunk(sweep, clean, source, new Batch(chunk), logprobs);
            }
            List<SweepRecord> records = new ArrayList<>();
            for (int i = 0; i < logprobs.length; i++) {
                AblationCase c = spec.cases().get(i);
                double lp = c.position() > q ? cleanLogprob : logprobs[i]; // after the prediction: no effect
                records.add(new SweepRecord(c.layer(), c.head(), c.position(), lp, cleanLogprob));
            }
            return new SweepResult(spec, cleanLogprob, records, false, (System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * The clean pass, with the first batch riding on it. Keeps the site's activations when mean ablation needs
     * them, and every layer's residual, keys and values when later batches do. Returns the clean log-prob.
     */
    private double cleanPass(NDManager sweep, Clean clean, AblationSource source, Batch riding, boolean keepForLater,
                             double[] logprobs) {
        try (Hooks.Scope record = cleanHooks.scope()) {
            if (AblationSource.needsClean(spec.kind())) {
                recordSite(record, clean.site(), sweep);
            }
            NDArray x = model.embed(sweep.create(spec.ids(), new Shape(1, spec.ids().length)), 0, null); // [1, T, C]
            for (int l = 0; l < nLayer; l++) {
                SweepCancel.check(options);
                try (NDManager step = sweep.newSubManager(); Hooks.Scope ablate = caseHooks.scope()) {
                    if (keepForLater) {
                        clean.residPre()[l] = keep(x, sweep); // [1, T, C]
                    }
                    x.attach(step); // this layer's input and all computed from it are freed with the step
                    NDArray rider = riding == null ? null : riding.enter(l, x, ablate, source, step); // [B, W, C]
                    Gpt2.BlockOutput out;
                    if (rider == null) {
                        out = model.block(l, x, null, cleanHooks);
                    } else {
                        BlockWithRider.Output both = BlockWithRider.run(model, l, x, null, cleanHooks, rider, riding.position(), caseHooks);
                        riding.leave(both.rider().residual(), sweep);
                        out = both.lead();
                    }
                    if (keepForLater) {
                        clean.k()[l] = keep(out.k(), sweep); // [1, NH, T, HS]
                        clean.v()[l] = keep(out.v(), sweep); // [1, NH, T, HS]
                    }
                    x = out.residual(); // [1, T, C]
                    x.attach(sweep);
                }
                progress();
            }
            NDArray cleanLast = x.get(":, {}:{}, :", q, q + 1); // [1, 1, C]
            if (riding == null) {
                return logprobs(cleanLast)[0];
            }
            double[] lp = logprobs(cleanLast.concat(riding.last(), 0)); // clean first, then the riders
            riding.store(lp, 1, logprobs);
            return lp[0];
        }
    }

    /** A batch that did not ride on the clean pass: layers from its first, on the kept clean keys and values. */
    private void runChunk(NDManager sweep, Clean clean, AblationSource source, Batch batch, double[] logprobs) {
        int p = batch.position();
        for (int l = firstLayer(batch.chunk); l < nLayer; l++) {
            SweepCancel.check(options);
            try (NDManager step = sweep.newSubManager(); Hooks.Scope ablate = caseHooks.scope()) {
                NDArray x = batch.enter(l, clean.residPre()[l], ablate, source, step); // [B, W, C]
                Gpt2.KvPrefix prefix = p == 0 ? null
                        : new Gpt2.KvPrefix(inStep(clean.k()[l], step).get(":, :, :{}, :", p), // [1, NH, P, HS]
                                inStep(clean.v()[l], step).get(":, :, :{}, :", p)); // [1, NH, P, HS]
                batch.leave(model.block(l, x, prefix, caseHooks).residual(), sweep);
            }
            progress();
        }
        batch.store(logprobs(batch.last()), 0, logprobs);
    }

    /**
     * One chunk's cases as a batch {@code [B, W, C]} over positions p..q: a case joins at its layer as a copy of
     * the clean residual there, with its ablation hooked for that layer.
     */
    private final class Batch {
        private final Chunk chunk;
        private int joined;
        private NDArray x; // [B, W, C], in the sweep's manager between layers

        Batch(Chunk chunk) {
            this.chunk = chunk;
        }

        int position() {
            return chunk.position();
        }

        /** The batch's input to layer {@code l}, owned by {@code step}; null while no case has joined. */
        NDArray enter(int l, NDArray cleanResid, Hooks.Scope ablate, AblationSource source, NDManager step) {
            int p = chunk.position();
            int first = joined;
            while (joined < chunk.cases().size() && spec.cases().get(chunk.cases().get(joined)).layer() == l) {
                joined++;
            }
            NDArray in = x; // [B, W, C]
            if (in != null) {
                in.attach(step); // the last layer's output: freed with this step
            }
            if (joined > first) {
                NDArray fresh = inStep(cleanResid, step).get(":, {}:{}, :", p, q + 1).repeat(0, joined - first); // [n, W, C]
                in = in == null ? fresh : in.concat(fresh, 0); // [B, W, C]
                List<AblationCase> ablated = chunk.cases().subList(first, joined).stream().map(spec.cases()::get).toList();
                ablate.add(spec.site().hookName(l), new SweepAblationHook(ablated, first, p, into -> source.window(l, p, q + 1, into)));
            }
            return in;
        }

        void leave(NDArray out, NDManager sweep) {
            x = out;
            x.attach(sweep);
        }

        /** The residual at the prediction position, {@code [B, 1, C]}. */
        NDArray last() {
            return x.get(":, {}:, :", q - chunk.position());
        }

        void store(double[] lp, int from, double[] logprobs) {
            for (int b = 0; b < chunk.cases().size(); b++) {
                logprobs[chunk.cases().get(b)] = lp[from + b];
            }
        }
    }

    /** A pass over {@code ids} that keeps only the site's activations (of the corrupted text, for patching). */
    private NDArray[] sitePass(NDManager sweep, long[] ids) {
        NDArray[] site = new NDArray[nLayer];
        try (Hooks.Scope scope = cleanHooks.scope(); NDManager pass = sweep.newSubManager()) {
            recordSite(scope, site, sweep);
            NDArray x = model.embed(pass.create(ids, new Shape(1, ids.length)), 0, null); // [1, T, C]
            for (int l = 0; l < nLayer; l++) {
                x = model.block(l, x, null, cleanHooks).residual(); // [1, T, C]
            }
        }
        return site;
    }

    /** Records a compact copy of the site's activation ({@code [1, T, ...]}) in every swept layer. */
    private void recordSite(Hooks.Scope scope, NDArray[] site, NDManager keepIn) {
        spec.cases().stream().mapToInt(AblationCase::layer).distinct().forEach(layer ->
                scope.add(spec.site().hookName(layer), (name, a) -> {
                    site[layer] = keep(a, keepIn);
                    return null;
                }));
    }

    /**
     * Groups the cases by start position (up to the prediction; later ones cannot change it) and splits the
     * groups into batches of at most maxBatchRows rows.
     */
    private List<Chunk> chunks() {
        Map<Integer, List<Integer>> byPosition = new TreeMap<>();
        for (int i = 0; i < spec.cases().size(); i++) {
            int p = spec.cases().get(i).position();
            if (p <= q) {
                byPosition.computeIfAbsent(p, x -> new ArrayList<>()).add(i);
            }
        }
        List<Chunk> out = new ArrayList<>();
        byPosition.forEach((p, cases) -> {
            cases.sort(Comparator.comparingInt(i -> spec.cases().get(i).layer()));
            int perBatch = Math.max(1, options.maxBatchRows() / (q - p + 1));
            for (int from = 0; from < cases.size(); from += perBatch) {
                out.add(new Chunk(p, List.copyOf(cases.subList(from, Math.min(cases.size(), from + perBatch)))));
            }
        });
        return out;
    }

    private int firstLayer(Chunk chunk) {
        return spec.cases().get(chunk.cases().get(0)).layer();
    }

    private void progress() {
        options.progress().update(++done, total);
    }

    /** The target's log-prob for each row of {@code last} {@code [B, 1, C]}, the residual at the prediction position. */
    private double[] logprobs(NDArray last) {
        long rows = last.getShape().get(0);
        double[] out = new double[(int) rows];
        for (long from = 0; from < rows; from += UNEMBED_ROWS) {
            try (NDManager chunk = last.getManager().newSubManager()) {
                NDArray some = inStep(last, chunk).get("{}:{}", from, Math.min(rows, from + UNEMBED_ROWS)); // [b, 1, C]
                NDArray logits = model.unembed(some, null); // [b, 1, V]
                float[] lp = logits.logSoftmax(2).get(":, 0, {}", spec.target()).toFloatArray(); // [b]
                for (int i = 0; i < lp.length; i++) {
                    out[(int) from + i] = lp[i];
                }
            }
        }
        return out;
    }
}
