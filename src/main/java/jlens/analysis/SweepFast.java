package jlens.analysis;

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
import jlens.model.Gpt2;

/**
 * Sweeps by reuse instead of one full pass per case. An ablation at layer l, position p changes nothing before
 * layer l nor at positions before p, and the prediction at q reads nothing after q. So after one clean pass
 * (keeping each layer's input residual and keys and values) a case only recomputes layers l.. at positions
 * p..q, with the clean keys and values of positions < p as a prefix. Cases with the same p ride together in
 * the batch dimension, layer by layer: at layer j the batch holds every case that starts at or before j, so a
 * whole sweep streams each weight matrix about once per chunk.
 */
final class SweepFast {
    private final Gpt2 model;
    private final SweepSpec spec;
    private final SweepOptions options;
    private final int nLayer;
    private final int q; // the prediction position
    private final Hooks hooks; // private to the sweep: the model's registry stays untouched

    private SweepFast(Gpt2 model, SweepSpec spec, SweepOptions options) {
        this.model = model;
        this.spec = spec;
        this.options = options;
        this.nLayer = model.config().nLayer();
        this.q = spec.predictAt();
        this.hooks = new Hooks(HookPoint.all(nLayer), nLayer);
    }

    static SweepResult run(Gpt2 model, SweepSpec spec, SweepOptions options) {
        return new SweepFast(model, spec, options).run();
    }

    /** Cases starting at the same position, a batch's worth, with their indices in the spec. */
    private record Chunk(int position, List<Integer> cases) {}

    /** What the clean pass leaves for the recomputation, per layer. */
    private record Clean(NDArray[] residPre, NDArray[] k, NDArray[] v, NDArray[] site, double logprob) {}

    private SweepResult run() {
        long start = System.nanoTime();
        double[] logprobs = new double[spec.cases().size()];
        try (NDManager sweep = model.manager().newSubManager()) {
            Clean clean = cleanPass(sweep, spec.ids(), AblationSource.needsClean(spec.kind()));
            NDArray[] corruptSite = spec.corruptIds() == null ? null : cleanPass(sweep, spec.corruptIds(), true).site();
            AblationSource source = new AblationSource(spec.kind(), clean.site(), corruptSite);
            List<Chunk> chunks = chunks(logprobs, clean.logprob());
            int total = chunks.stream().mapToInt(c -> nLayer - firstLayer(c)).sum();
            int done = 0;
            for (Chunk chunk : chunks) {
                done = runChunk(sweep, clean, source, chunk, logprobs, done, total);
            }
            List<SweepRecord> records = new ArrayList<>();
            for (int i = 0; i < logprobs.length; i++) {
                AblationCase c = spec.cases().get(i);
                records.add(new SweepRecord(c.layer(), c.head(), c.position(), logprobs[i], clean.logprob()));
            }
            return new SweepResult(spec, clean.logprob(), records, false, (System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * One pass over {@code ids} that keeps every layer's input residual, keys and values (and the site's
     * activations if {@code keepSite}), and the target's log-prob.
     */
    private Clean cleanPass(NDManager sweep, long[] ids, boolean keepSite) {
        NDArray[] residPre = new NDArray[nLayer];
        NDArray[] k = new NDArray[nLayer];
        NDArray[] v = new NDArray[nLayer];
        NDArray[] site = new NDArray[nLayer];
        try (Hooks.Scope scope = hooks.scope(); NDManager pass = sweep.newSubManager()) {
            if (keepSite) {
                for (AblationCase c : spec.cases()) {
                    int layer = c.layer();
                    scope.add(spec.site().hookName(layer), (name, a) -> {
                        site[layer] = a;
                        return null;
                    });
                }
            }
            NDArray x = model.embed(pass.create(ids, new Shape(1, ids.length)), 0, hooks); // [1, T, C]
            for (int l = 0; l < nLayer; l++) {
                residPre[l] = x;
                Gpt2.BlockOutput out = model.block(l, x, null, hooks);
                k[l] = out.k(); // [1, NH, T, HS]
                v[l] = out.v(); // [1, NH, T, HS]
                x = out.residual(); // [1, T, C]
            }
            double logprob = logprobs(x.get(":, {}:{}, :", q, q + 1))[0];
            for (NDArray[] kept : List.of(residPre, k, v, site)) {
                for (NDArray a : kept) {
                    if (a != null) {
                        a.attach(sweep);
                    }
                }
            }
            return new Clean(residPre, k, v, site, logprob);
        }
    }

    /**
     * Groups the cases by start position and splits the groups into batches of at most maxBatchRows rows.
     * Cases after the prediction position cannot change it: they get the clean value and no chunk.
     */
    private List<Chunk> chunks(double[] logprobs, double clean) {
        Map<Integer, List<Integer>> byPosition = new TreeMap<>();
        for (int i = 0; i < spec.cases().size(); i++) {
            int p = spec.cases().get(i).position();
            if (p > q) {
                logprobs[i] = clean;
            } else {
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

    /** Recomputes one chunk's cases layer by layer from their start layers; returns the steps done so far. */
    private int runChunk(NDManager sweep, Clean clean, AblationSource source, Chunk chunk, double[] logprobs, int done,
                         int total) {
        int p = chunk.position();
        int w = q - p + 1; // recomputed positions p..q
        List<Integer> cases = chunk.cases();
        try (NDManager batch = sweep.newSubManager()) {
            NDArray x = null; // [B, W, C], B growing as cases join
            int joined = 0;
            for (int l = firstLayer(chunk); l < nLayer; l++) {
                SweepCancel.check(options);
                // One manager per layer step, so a step's intermediates are freed before the next: a grid's
                // batch would otherwise hold every layer's activations at once.
                try (NDManager step = batch.newSubManager(); Hooks.Scope scope = hooks.scope()) {
                    if (x != null) {
                        x.attach(step); // the previous step's output: freed with this step
                    }
                    int first = joined;
                    while (joined < cases.size() && spec.cases().get(cases.get(joined)).layer() == l) {
                        joined++;
                    }
                    if (joined > first) {
                        NDArray fresh = clean.residPre()[l].get(":, {}:{}, :", p, q + 1); // [1, W, C]
                        fresh.attach(step);
                        fresh = fresh.repeat(0, joined - first); // [n, W, C]
                        x = x == null ? fresh : x.concat(fresh, 0); // [B, W, C]
                        List<AblationCase> ablated = cases.subList(first, joined).stream().map(spec.cases()::get).toList();
                        NDArray values = source.window(l, p, q + 1); // [1, W, ...] or null
                        if (values != null) {
                            values.attach(step);
                        }
                        scope.add(spec.site().hookName(l), new SweepAblationHook(ablated, first, p, values));
                    }
                    Gpt2.KvPrefix prefix = null;
                    if (p > 0) {
                        NDArray pk = clean.k()[l].get(":, :, :{}, :", p); // [1, NH, P, HS]
                        NDArray pv = clean.v()[l].get(":, :, :{}, :", p); // [1, NH, P, HS]
                        pk.attach(step);
                        pv.attach(step);
                        prefix = new Gpt2.KvPrefix(pk, pv);
                    }
                    x = model.block(l, x, prefix, hooks).residual(); // [B, W, C]
                    x.attach(batch);
                }
                options.progress().update(++done, total);
            }
            double[] lp = logprobs(x.get(":, {}:, :", w - 1)); // from [B, 1, C]
            for (int b = 0; b < cases.size(); b++) {
                logprobs[cases.get(b)] = lp[b];
            }
        }
        return done;
    }

    /** The target's log-prob for each row of {@code last} {@code [B, 1, C]}, the residual at the prediction position. */
    private double[] logprobs(NDArray last) {
        NDArray logits = model.unembed(last, null); // [B, 1, V]
        float[] lp = logits.logSoftmax(2).get(":, 0, {}", spec.target()).toFloatArray(); // [B]
        double[] out = new double[lp.length];
        for (int i = 0; i < lp.length; i++) {
            out[i] = lp[i];
        }
        return out;
    }
}
