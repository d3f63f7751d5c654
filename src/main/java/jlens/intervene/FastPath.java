package jlens.intervene;

import static jlens.intervene.StepArrays.inStep;
import static jlens.intervene.StepArrays.keep;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.BlockWithRider;
import jlens.model.Gpt2;

/**
 * The engine's fast path (see {@link Experiments}): experiments by reuse instead of one full pass each.
 *
 * <p>Experiments on the same token ids form a group around that text's plain run (the lead). Each experiment has a
 * first layer l (its earliest change's block; the embedding joins at 0, the final norm and logits after the last
 * block), a first changed position p and a read-out position q. Experiments with the same p and q form a batch
 * {@code [B, W, C]} over positions p..q that grows layer by layer: an experiment joins at its layer l as a copy of the
 * lead's residual entering l, and attends to the lead's keys and values of positions before p. The first batch of a
 * group rides on the lead's pass itself ({@link BlockWithRider}: one stream of each weight matrix for both); further
 * batches restart at their first layer from the lead's kept residuals, keys and values.
 *
 * <p>A group with values from another run (patching) runs its lead first, alone, so that each experiment's p can be
 * the first position where those values differ from the lead's in any bit: an experiment whose values equal the
 * lead's everywhere up to q is exactly the lead and is not run. Batches hold at most {@code maxBatchRows} rows
 * (experiments x positions).
 */
final class FastPath {
    private final Gpt2 model;
    private final List<Intervention> standing;
    private final List<Experiment> list;
    private final SweepOptions options;
    private final int nLayer;
    private final double[][] values;
    private final Sources sources = new Sources();
    private final Map<Sources.Ids, Map<String, float[]>> floats = new HashMap<>(); // kept activations, compared bit by bit
    private int computed;
    private int done;
    private int total;
    private boolean silent;

    private FastPath(Gpt2 model, List<Intervention> standing, List<Experiment> list, SweepOptions options) {
        this.model = model;
        this.standing = standing;
        this.list = list;
        this.options = options;
        this.nLayer = model.config().nLayer();
        this.values = new double[list.size()][];
    }

    static Experiments.Outcome run(Gpt2 model, List<Intervention> standing, List<Experiment> list, SweepOptions options) {
        long begin = System.nanoTime();
        FastPath f = new FastPath(model, standing, list, options);
        f.run();
        return new Experiments.Outcome(f.values, f.computed, false, (System.nanoTime() - begin) / 1e9);
    }

    /** Where an experiment joins and what it recomputes: layer (nLayer: after the blocks), positions p..q. */
    private record Plan(int layer, boolean embed, int p, int q) {}

    /** Experiments of one group with the same p and q, a batch's worth, in the order they join. */
    private record Chunk(int p, int q, List<Integer> rows) {}

    /** What a lead pass keeps for its batches: per layer the residual entering it and its keys and values; the end. */
    private record Lead(NDArray[] residPre, NDArray[] k, NDArray[] v, NDArray[] last) {
        Lead(int nLayer) {
            this(new NDArray[nLayer], new NDArray[nLayer], new NDArray[nLayer], new NDArray[1]);
        }
    }

    private void run() {
        Map<Sources.Ids, List<Integer>> groups = new LinkedHashMap<>();
        List<Intervention> own = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            groups.computeIfAbsent(new Sources.Ids(list.get(i).ids()), k -> new ArrayList<>()).add(i);
            own.addAll(list.get(i).interventions());
        }
        Map<Sources.Ids, Set<String>> needs = Sources.needs(own);
        // Runs that go first, alone: each run another group reads values from, and each group that reads them
        // (its experiments then start where those values first differ from its own run's, bit by bit).
        Set<Sources.Ids> first = new LinkedHashSet<>();
        groups.forEach((ids, rows) -> rows.forEach(i -> list.get(i).interventions().forEach(x -> {
            Sources.Ids read = x.value().needsRun() ? new Sources.Ids(x.value().runIds()) : null;
            if (read != null && !read.equals(ids)) {
                first.add(read);
                first.add(ids);
            }
        })));
        silent = true; // no progress before the total is known
        try (NDManager all = model.manager().newSubManager()) {
            Map<Sources.Ids, Lead> leads = new LinkedHashMap<>();
            for (Sources.Ids ids : first) {
                List<Integer> rows = groups.getOrDefault(ids, List.of());
                leads.put(ids, leadPass(all, ids.ids(), keeps(ids, rows, needs), !rows.isEmpty(), null));
            }
            Map<Sources.Ids, Map<Integer, Plan>> plans = new LinkedHashMap<>();
            Map<Sources.Ids, List<Chunk>> chunks = new LinkedHashMap<>();
            total = done;
            groups.forEach((ids, rows) -> {
                boolean ran = leads.containsKey(ids);
                Map<Integer, Plan> p = plans(ids.ids(), rows, ran);
                List<Chunk> c = chunks(rows, p);
                plans.put(ids, p);
                chunks.put(ids, c);
                total += (ran ? 0 : nLayer) + c.stream().skip(ran ? 0 : 1).mapToInt(x -> nLayer - p.get(x.rows().get(0)).layer()).sum();
            });
            silent = false;
            groups.forEach((ids, rows) -> {
                Map<Integer, Plan> p = plans.get(ids);
                List<Chunk> c = chunks.get(ids);
                Lead lead = leads.get(ids);
                if (lead == null) { // the first batch rides on the lead's pass
                    Batch riding = c.isEmpty() ? null : new Batch(all, ids.ids(), c.get(0), p);
                    lead = leadPass(all, ids.ids(), keeps(ids, rows, needs), c.size() > 1, riding);
                    c = c.subList(Math.min(1, c.size()), c.size());
                }
                readLead(ids.ids(), rows, p, lead.last()[0]);
                for (Chunk chunk : c) {
                    runChunk(all, ids.ids(), chunk, p, lead);
                }
            });
        }
        if (done != total && done > 0) { // the estimate was off: end at the total all the same
            options.progress().update(done, done);
        }
    }

    /**
     * What a lead pass keeps: the values other runs read from it, and for its own experiments the lead's side of the
     * bit-by-bit comparison of values from other runs, and the lead's values where they read their own pass (senders,
     * activation read-outs): a row that joins after such a point has the lead's values there.
     */
    private Set<String> keeps(Sources.Ids ids, List<Integer> rows, Map<Sources.Ids, Set<String>> needs) {
        Set<String> keep = new LinkedHashSet<>(needs.getOrDefault(ids, Set.of()));
        for (int i : rows) {
            for (Intervention x : list.get(i).interventions()) {
                if (x.value().needsRun()) {
                    keep.addAll(Sources.readAt(x));
                }
            }
            keep.addAll(NaivePath.reads(list.get(i)));
        }
        return keep;
    }

    /** The changes in force as a registry of their own, for a pass over positions from {@code start}. */
    private Hooks standingHooks(int start) {
        Hooks hooks = new Hooks(HookPoint.all(nLayer), nLayer);
        Interventions.register(hooks.scope(), standing, () -> start, sources); // this registry alone: nothing to remove
        return hooks;
    }

    /**
     * The plain run of {@code ids} with the changes in force: keeps {@code keepSites} (for values read from it), and
     * with {@code keepStream} every layer's residual, keys and values. With {@code riding}, that batch rides in the
     * same products and is read at the end.
     */
    private Lead leadPass(NDManager all, long[] ids, Set<String> keepSites, boolean keepStream, Batch riding) {
        Lead lead = new Lead(nLayer);
        Hooks hooks = standingHooks(0);
        try (Hooks.Scope scope = hooks.scope()) {
            keepSites.forEach(name -> scope.add(name, sources.recorder(ids, all)));
            NDArray x = model.embed(all.create(ids, new Shape(1, ids.length)), 0, hooks); // [1, T, C]
            for (int l = 0; l < nLayer; l++) {
                options.checkCancel();
                try (NDManager step = all.newSubManager()) {
                    if (keepStream) {
                        lead.residPre()[l] = keep(x, all); // [1, T, C]
                    }
                    x.attach(step); // this layer's input and all computed from it are freed with the step
                    NDArray rider = riding == null ? null : riding.enter(l, x, step); // [B, W, C]
                    Gpt2.BlockOutput out;
                    if (rider == null) {
                        out = model.block(l, x, null, hooks);
                    } else {
                        BlockWithRider.Output both = BlockWithRider.run(model, l, x, null, hooks, rider, riding.chunk.p(), riding.hooks);
                        riding.leave(both.rider().residual(), all);
                        out = both.lead();
                    }
                    if (keepStream) {
                        lead.k()[l] = keep(out.k(), all); // [1, NH, T, HS]
                        lead.v()[l] = keep(out.v(), all); // [1, NH, T, HS]
                    }
                    x = out.residual(); // [1, T, C]
                    x.attach(all);
                }
                layerDone();
            }
            if (keepSites.contains(HookPoint.LN_FINAL) || keepSites.contains(HookPoint.LOGITS)) {
                try (NDManager end = all.newSubManager()) {
                    model.unembed(inStep(x, end), hooks); // its recorders keep what values read there
                }
            }
            lead.last()[0] = x;
            if (riding != null) {
                riding.finish(x);
            }
        }
        return lead;
    }

    /** The experiments of {@code rows} without a plan are the lead run itself: read from its final residual {@code [1, T, C]}. */
    private void readLead(long[] ids, List<Integer> rows, Map<Integer, Plan> plans, NDArray x) {
        Hooks hooks = standingHooks(0);
        Map<Readout, Map<Integer, double[]>> byReadout = new IdentityHashMap<>();
        for (int i : rows) {
            if (plans.containsKey(i)) {
                continue;
            }
            Readout r = list.get(i).readout();
            if (!r.hooks().isEmpty()) { // the lead's own activations, kept by its pass
                values[i] = r.fromActivations(r.hooks().stream().map(h -> sources.get(ids, h)).toList());
                continue;
            }
            int q = r.position(ids.length);
            double[] v = byReadout.computeIfAbsent(r, k -> new HashMap<>())
                    .computeIfAbsent(q, k -> read(x, q, hooks, List.of(r))[0]);
            values[i] = v.clone();
        }
    }

    /**
     * Each experiment's plan, by its index; none for an experiment that is the lead run (no change of its own, or
     * none that reaches its read-out). With {@code exact}, a value from another run starts at the first position
     * where it differs from the lead's (whose sites must be kept by then).
     */
    private Map<Integer, Plan> plans(long[] ids, List<Integer> rows, boolean exact) {
        Map<Integer, Plan> out = new LinkedHashMap<>();
        for (int i : rows) {
            Experiment e = list.get(i);
            int q = e.readout().position(ids.length);
            int layer = nLayer;
            boolean embed = false;
            int p = Integer.MAX_VALUE;
            for (Intervention x : e.interventions()) {
                int start = x.firstPosition();
                if ((x.value() instanceof Value.FromRun || x.value() instanceof Value.Senders) && Arrays.equals(x.value().runIds(), ids)) {
                    start = q + 1; // the lead's own values: the lead exactly
                } else if (exact && x.value() instanceof Value.FromRun f) {
                    start = firstDifference(ids, f.ids(), x, q);
                } else if (exact && x.value() instanceof Value.Senders senders) {
                    start = firstDifference(ids, senders, q);
                }
                if (start > q) {
                    continue; // nothing of it reaches the read-out
                }
                p = Math.min(p, start);
                int l = x.layer(nLayer);
                embed |= l < 0;
                layer = Math.min(layer, Math.max(0, l));
            }
            if (p <= q) {
                out.put(i, new Plan(layer, embed, p, q));
            }
        }
        return out;
    }

    /**
     * The first position up to {@code q} among the cells of {@code x} where the run of {@code other} differs in any
     * bit from the lead's run of {@code ids} at x's hook point; {@code q + 1} when there is none.
     */
    private int firstDifference(long[] ids, long[] other, Intervention x, int q) {
        float[] a = keptFloats(ids, x.hook());
        float[] b = keptFloats(other, x.hook());
        NDArray shapeOf = sources.get(ids, x.hook());
        if (a.length != b.length) {
            return x.firstPosition();
        }
        SiteEdits.CellRuns runs = SiteEdits.cellRuns(x.hook(), x.cells(), shapeOf.getShape());
        for (int r = 0; r < runs.offsets().length && runs.positions()[r] <= q; r++) {
            for (int k = runs.offsets()[r]; k < runs.offsets()[r] + runs.width(); k++) {
                if (Float.floatToRawIntBits(a[k]) != Float.floatToRawIntBits(b[k])) {
                    return runs.positions()[r];
                }
            }
        }
        return q + 1;
    }

    /**
     * For re-routed senders: the first position up to {@code q} where a sender's values in their run differ in any bit
     * from the lead's (the senders' change is nothing before it, in a row whose other changes start no earlier);
     * {@code q + 1} when there is none.
     */
    private int firstDifference(long[] ids, Value.Senders value, int q) {
        int first = q + 1;
        for (Value.Sender sender : value.senders()) {
            Intervention at = new Intervention(sender.hook(), Cells.of(sender.head(), -1), Value.zero());
            first = Math.min(first, firstDifference(ids, value.ids(), at, q));
        }
        return first;
    }

    private float[] keptFloats(long[] ids, String hook) {
        return floats.computeIfAbsent(new Sources.Ids(ids), k -> new HashMap<>()).computeIfAbsent(hook, h -> {
            NDArray a = sources.get(ids, h);
            return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
        });
    }

    /**
     * The planned experiments grouped by (p, q), each group in the order its experiments join (by layer), split into
     * batches of at most maxBatchRows rows.
     */
    private List<Chunk> chunks(List<Integer> rows, Map<Integer, Plan> plans) {
        Map<List<Integer>, List<Integer>> byWindow = new TreeMap<>(Comparator.<List<Integer>>comparingInt(k -> k.get(0))
                .thenComparingInt(k -> k.get(1)));
        for (int i : rows) {
            Plan plan = plans.get(i);
            if (plan != null) {
                byWindow.computeIfAbsent(List.of(plan.p(), plan.q()), k -> new ArrayList<>()).add(i);
            }
        }
        List<Chunk> out = new ArrayList<>();
        byWindow.forEach((window, members) -> {
            members.sort(Comparator.comparingInt(i -> plans.get(i).layer()));
            int p = window.get(0);
            int q = window.get(1);
            int perBatch = Math.max(1, options.maxBatchRows() / (q - p + 1));
            for (int from = 0; from < members.size(); from += perBatch) {
                out.add(new Chunk(p, q, List.copyOf(members.subList(from, Math.min(members.size(), from + perBatch)))));
            }
        });
        return out;
    }

    /** A batch that did not ride on its lead: layers from its first, on the lead's kept residuals, keys and values. */
    private void runChunk(NDManager all, long[] ids, Chunk chunk, Map<Integer, Plan> plans, Lead lead) {
        Batch batch = new Batch(all, ids, chunk, plans);
        int p = chunk.p();
        for (int l = plans.get(chunk.rows().get(0)).layer(); l < nLayer; l++) {
            options.checkCancel();
            try (NDManager step = all.newSubManager()) {
                NDArray x = batch.enter(l, lead.residPre()[l], step); // [B, W, C]
                Gpt2.KvPrefix prefix = p == 0 ? null
                        : new Gpt2.KvPrefix(inStep(lead.k()[l], step).get(":, :, :{}, :", p), // [1, NH, P, HS]
                                inStep(lead.v()[l], step).get(":, :, :{}, :", p)); // [1, NH, P, HS]
                batch.leave(model.block(l, x, prefix, batch.hooks).residual(), all);
            }
            layerDone();
        }
        batch.finish(lead.last()[0]);
    }

    /**
     * One chunk as a batch {@code [B, W, C]} over positions p..q: an experiment joins at its layer as a copy of the
     * lead's residual there (or, with a change at the embedding, as the embedding of positions p..q), and every row
     * has its own changes at their hook points, after the changes in force.
     */
    private final class Batch {
        private final NDManager all;
        private final long[] ids;
        private final Chunk chunk;
        private final Map<Integer, Plan> plans;
        private final Hooks hooks = new Hooks(HookPoint.all(nLayer), nLayer);
        private int joined;
        private NDArray x; // [B, W, C], in the run's manager between layers
        private final Map<String, NDArray> recorded = new HashMap<>(); // what the rows' own pass read: [joined, W, ...]

        Batch(NDManager all, long[] ids, Chunk chunk, Map<Integer, Plan> plans) {
            this.all = all;
            this.ids = ids;
            this.chunk = chunk;
            this.plans = plans;
            Map<String, List<SiteEdits.RowEdit>> byHook = new LinkedHashMap<>();
            for (Intervention s : standing) {
                byHook.computeIfAbsent(s.hook(), h -> new ArrayList<>()).add(new SiteEdits.RowEdit(-1, s));
            }
            for (int row = 0; row < chunk.rows().size(); row++) {
                for (Intervention i : list.get(chunk.rows().get(row)).interventions()) {
                    byHook.computeIfAbsent(i.hook(), h -> new ArrayList<>()).add(new SiteEdits.RowEdit(row, i));
                }
            }
            Hooks.Scope scope = hooks.scope(); // the registry is this batch's alone: nothing to remove afterwards
            Sources.Pass pass = (hook, like) -> rows(hook, like.getShape().get(0), like.getManager());
            byHook.forEach((hook, edits) -> scope.add(hook, (name, a) -> SiteEdits.apply(a, name, chunk.p(), edits, sources, pass)));
            Set<String> reads = new LinkedHashSet<>();
            chunk.rows().forEach(i -> reads.addAll(NaivePath.reads(list.get(i))));
            for (String hook : reads) { // after the rows' changes there: what each row goes on with
                scope.add(hook, (name, a) -> {
                    NDArray old = recorded.put(name, keep(a, all));
                    if (old != null) {
                        old.close();
                    }
                    return null;
                });
            }
        }

        /**
         * This batch's activation at {@code hook} over its first {@code b} rows, in {@code m}: the rows that had joined
         * when the pass went through it as recorded, those that joined later as the lead's (nothing of theirs had
         * changed there yet); {@code [b, W, ...]}.
         */
        NDArray rows(String hook, long b, NDManager m) {
            NDArray seen = recorded.get(hook);
            long n = seen == null ? 0 : Math.min(b, seen.getShape().get(0));
            NDArray lead = n == b ? null : inStep(sources.get(ids, hook), m).get(":, {}:{}", chunk.p(), chunk.q() + 1).repeat(0, b - n);
            if (n == 0) {
                return lead;
            }
            NDArray mine = inStep(seen, m).get(":{}", n);
            return lead == null ? mine : mine.concat(lead, 0);
        }

        /** The batch's input to layer {@code l}, owned by {@code step}; null while no experiment has joined. */
        NDArray enter(int l, NDArray leadResid, NDManager step) {
            int first = joined;
            boolean embed = false;
            while (joined < chunk.rows().size() && plans.get(chunk.rows().get(joined)).layer() == l) {
                embed |= plans.get(chunk.rows().get(joined)).embed();
                joined++;
            }
            NDArray in = x; // [B, W, C]
            if (in != null) {
                in.attach(step); // the last layer's output: freed with this step
            }
            if (joined > first) {
                NDArray fresh;
                int w = chunk.q() - chunk.p() + 1;
                if (embed) { // only at layer 0, where nothing joined before: the rows are 0..joined-1
                    long[] window = Arrays.copyOfRange(ids, chunk.p(), chunk.q() + 1);
                    long[] rows = new long[joined * w];
                    for (int r = 0; r < joined; r++) {
                        System.arraycopy(window, 0, rows, r * w, w);
                    }
                    fresh = model.embed(step.create(rows, new Shape(joined, w)), chunk.p(), hooks); // [n, W, C]
                } else {
                    fresh = inStep(leadResid, step).get(":, {}:{}, :", chunk.p(), chunk.q() + 1).repeat(0, joined - first); // [n, W, C]
                }
                in = in == null ? fresh : in.concat(fresh, 0); // [B, W, C]
            }
            return in;
        }

        void leave(NDArray out, NDManager keepIn) {
            x = out;
            x.attach(keepIn);
        }

        /** After the last block: the rows that join there (a change at the final norm or logits), then the read-out. */
        void finish(NDArray leadLast) {
            try (NDManager end = all.newSubManager()) {
                NDArray in = x;
                if (in != null) {
                    in.attach(end);
                }
                int n = chunk.rows().size();
                if (joined < n) {
                    NDArray fresh = inStep(leadLast, end).get(":, {}:{}, :", chunk.p(), chunk.q() + 1).repeat(0, n - joined);
                    in = in == null ? fresh : in.concat(fresh, 0); // [B, W, C]
                    joined = n;
                }
                List<Integer> fromLogits = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    Readout readout = list.get(chunk.rows().get(r)).readout();
                    if (readout.hooks().isEmpty()) {
                        fromLogits.add(r);
                    } else { // the lead's positions before p, then the row's own
                        int row = r;
                        values[chunk.rows().get(r)] = readout.fromActivations(readout.hooks().stream()
                                .map(h -> inStep(sources.get(ids, h), end).get(":, :{}", chunk.p())
                                        .concat(rows(h, n, end).get("{}:{}", row, row + 1), 1)).toList());
                    }
                }
                if (!fromLogits.isEmpty()) {
                    NDArray some = fromLogits.size() == n ? in
                            : in.get(new ai.djl.ndarray.index.NDIndex("{}", end.create(fromLogits.stream().mapToLong(Integer::longValue).toArray())));
                    double[][] v = read(some, chunk.q() - chunk.p(), hooks, fromLogits.stream().map(r -> list.get(chunk.rows().get(r)).readout()).toList());
                    for (int k = 0; k < fromLogits.size(); k++) {
                        values[chunk.rows().get(fromLogits.get(k))] = v[k];
                    }
                }
                computed += n;
            }
            x = null;
            recorded.values().forEach(NDArray::close);
            recorded.clear();
        }
    }

    /**
     * The read-outs of rows {@code [B, W, C]} (final residuals) at column {@code at}:
     * from the final residual unless a change at the final norm or logits needs the hooked unembedding.
     */
    private double[][] read(NDArray x, int at, Hooks hooks, List<Readout> readouts) {
        int b = (int) x.getShape().get(0);
        double[][] out = new double[b][];
        try (NDManager scope = x.getManager().newSubManager()) {
            NDArray rows = inStep(x, scope);
            if (hooks.has(HookPoint.LN_FINAL) || hooks.has(HookPoint.LOGITS)) {
                NDArray logits = model.unembed(rows, hooks).get(":, {}, :", at).toType(DataType.FLOAT32, false); // [B, V]
                int v = (int) logits.getShape().get(1);
                float[] flat = logits.toFloatArray();
                for (int r = 0; r < b; r++) {
                    out[r] = readouts.get(r).fromLogits(Arrays.copyOfRange(flat, r * v, (r + 1) * v));
                }
                return out;
            }
            NDArray last = rows.get(":, {}, :", at); // [B, C]
            Map<Readout, List<Integer>> byReadout = new IdentityHashMap<>();
            for (int r = 0; r < b; r++) {
                byReadout.computeIfAbsent(readouts.get(r), k -> new ArrayList<>()).add(r);
            }
            for (Map.Entry<Readout, List<Integer>> e : byReadout.entrySet()) {
                List<Integer> members = e.getValue();
                NDArray some = members.size() == b ? last
                        : last.get(new ai.djl.ndarray.index.NDIndex("{}", scope.create(members.stream().mapToLong(Integer::longValue).toArray()))); // [n, C]
                double[][] v = e.getKey().fromResidual(model, some);
                for (int k = 0; k < members.size(); k++) {
                    out[members.get(k)] = v[k];
                }
            }
        }
        return out;
    }

    private void layerDone() {
        done++;
        if (!silent) {
            options.progress().update(done, Math.max(done, total));
        }
    }
}
