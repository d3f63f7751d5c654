package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import jlens.hook.HookPoint;

/**
 * The one place where an activation's cells are replaced: {@code where(keep, activation, newValues)}, so a replaced
 * cell gets exactly the new value and every other cell keeps its own, NaN and infinities included (a product with a
 * 0/1 mask would keep a NaN inside the replaced cells, {@code NaN * 0} being NaN, and add-and-subtract would leak one
 * into them). Every route (the engine's batch rows, its oracle, generation, the changes in force) applies
 * {@link Intervention}s through {@link #apply}.
 *
 * <p>Shapes: B batch rows, W positions of this pass (from {@code start}), NH heads, K key positions.
 */
final class SiteEdits {
    private SiteEdits() {}

    /** An intervention on one batch row ({@code row} >= 0) or on every row ({@code row} -1). */
    record RowEdit(int row, Intervention intervention) {}

    /**
     * The activation at {@code hook} with {@code edits} applied in order: every-row edits first, then each row's own
     * in its order. Edits with the same value (the same object) at the same rank share one select, whatever rows
     * they are on: a sweep's batch is one select per layer.
     *
     * @param a the activation, {@code [B, W, ...]} or {@code [B, NH, W, K]} at the scores and pattern
     * @param start the sequence position of the activation's first position
     * @param sources the other runs' activations that {@link Value.FromRun} and {@link Value.MeanOfRun} read
     */
    static NDArray apply(NDArray a, String hook, int start, List<RowEdit> edits, Sources sources) {
        return apply(a, hook, start, edits, sources, Sources.Pass.NONE);
    }

    /** As above, with {@code pass} giving this pass's own activations to the values that read them. */
    static NDArray apply(NDArray a, String hook, int start, List<RowEdit> edits, Sources sources, Sources.Pass pass) {
        if (reroutedOnly(edits)) {
            return reroutedRows(a, hook, start, edits, sources, pass);
        }
        NDArray out = a;
        for (List<RowEdit> group : groups(edits)) {
            boolean[] keep = keep(out.getShape(), hook, start, group);
            if (keep == null) {
                continue; // none of this pass's cells is replaced
            }
            Value value = group.get(0).intervention().value();
            checkCovered(group, hook, start, out.getShape().get(HookPoint.positionAxis(hook)), covered(value, hook, sources));
            NDArray fresh = value instanceof Value.Senders senders // broadcastable to out's shape
                    ? rerouted(out, start, senders, sources, pass, rows(group, (int) out.getShape().get(0)))
                    : newValues(out, hook, start, value, sources);
            NDArray mask = out.getManager().create(keep, maskShape(out.getShape(), hook)).broadcast(out.getShape());
            out = NDArrays.where(mask, out, fresh.broadcast(out.getShape()));
        }
        return out;
    }

    /** The edits in the order they apply, grouped by (rank, value): every-row edits each alone, first. */
    private static List<List<RowEdit>> groups(List<RowEdit> edits) {
        List<List<RowEdit>> out = new ArrayList<>();
        List<Map<Value, List<RowEdit>>> byRank = new ArrayList<>();
        Map<Integer, Integer> ranks = new java.util.HashMap<>();
        for (RowEdit e : edits) {
            if (e.row() < 0) {
                out.add(List.of(e));
                continue;
            }
            int rank = ranks.merge(e.row(), 1, Integer::sum) - 1;
            while (byRank.size() <= rank) {
                byRank.add(new java.util.LinkedHashMap<>());
            }
            byRank.get(rank).computeIfAbsent(e.intervention().value(), v -> new ArrayList<>()).add(e);
        }
        byRank.forEach(rank -> out.addAll(rank.values()));
        return out;
    }

    /**
     * The keep-mask of one group as a Java array laid out as {@link #maskShape}: false on a replaced cell; null when the
     * group replaces none of this pass's cells.
     */
    private static boolean[] keep(Shape s, String hook, int start, List<RowEdit> group) {
        int headAxis = HookPoint.headAxis(hook);
        int posAxis = HookPoint.positionAxis(hook);
        int b = (int) s.get(0);
        int w = (int) s.get(posAxis);
        int nh = headAxis < 0 ? 1 : (int) s.get(headAxis);
        boolean headsFirst = headAxis == 1; // [B, NH, W, K]
        int keys = headsFirst ? (int) s.get(3) : 1;
        boolean[] keep = new boolean[b * w * nh * keys];
        Arrays.fill(keep, true);
        boolean any = false;
        for (RowEdit e : group) {
            Cells cells = e.intervention().cells();
            if (e.row() >= b) {
                continue; // a row not in this batch yet
            }
            int rowFrom = e.row() < 0 ? 0 : e.row();
            int rowTo = e.row() < 0 ? b : e.row() + 1;
            for (int p = 0; p < w; p++) {
                if (!cells.hasPosition(start + p)) {
                    continue;
                }
                for (int h = 0; h < nh; h++) {
                    if (headAxis >= 0 && !cells.hasHead(h)) {
                        continue;
                    }
                    for (int row = rowFrom; row < rowTo; row++) {
                        if (!headsFirst) {
                            keep[(row * w + p) * nh + h] = false;
                        } else { // the keys a query sees: the causal mask stays, so a window or cached step means the same
                            int visible = Math.min(keys, start + p + 1); // keys are positions 0..K-1 in every pass
                            Arrays.fill(keep, ((row * nh + h) * w + p) * keys, ((row * nh + h) * w + p) * keys + visible, false);
                        }
                        any = true;
                    }
                }
            }
            if (!cells.allHeads() && headAxis >= 0 && Arrays.stream(cells.heads()).anyMatch(h -> h >= nh)) {
                throw new IllegalArgumentException("head " + Arrays.stream(cells.heads()).max().getAsInt()
                        + " does not exist: the model has heads 0.." + (nh - 1));
            }
        }
        return any ? keep : null;
    }

    /** {@code [B, W, NH, 1...]}, {@code [B, W, 1...]} or {@code [B, NH, W, K]}: the mask before its broadcast. */
    private static Shape maskShape(Shape s, String hook) {
        if (HookPoint.headAxis(hook) == 1) {
            return s;
        }
        long[] dims = new long[s.dimension()];
        Arrays.fill(dims, 1);
        dims[0] = s.get(0);
        int posAxis = HookPoint.positionAxis(hook);
        int headAxis = HookPoint.headAxis(hook);
        dims[posAxis] = s.get(posAxis);
        if (headAxis >= 0) {
            dims[headAxis] = s.get(headAxis);
        }
        return new Shape(dims);
    }

    /** The value's new values for the whole activation (the select takes the cells'), broadcastable to its shape. */
    private static NDArray newValues(NDArray a, String hook, int start, Value value, Sources sources) {
        NDManager m = a.getManager();
        DataType t = a.getDataType();
        if (value instanceof Value.Zero) {
            return m.zeros(new Shape(1), t);
        }
        if (value instanceof Value.Scale s) {
            return a.mul(m.create((float) s.factor()).toType(t, false));
        }
        if (value instanceof Value.Add add) {
            return a.add(table(a, hook, start, add.vector()).muli(m.create((float) add.coeff()).toType(t, false)));
        }
        if (value instanceof Value.Put put) {
            return table(a, hook, start, put.values());
        }
        if (value instanceof Value.FromRun f) {
            return window(sources.get(f.ids(), hook), a, hook, start);
        }
        if (value instanceof Value.MeanOfRun mean) {
            NDArray run = StepArrays.inStep(sources.get(mean.ids(), hook), m); // [1, T', ...]
            return run.mean(new int[] {HookPoint.positionAxis(hook)}, true); // [1, 1, ...]
        }
        NDArray edited = ((Value.Fn) value).edit().apply(a, start);
        if (edited == null || !edited.getShape().equals(a.getShape())) {
            throw new IllegalStateException("the function at " + hook + " gave " + (edited == null ? "nothing"
                    : "shape " + edited.getShape()) + " for an activation of shape " + a.getShape());
        }
        return edited;
    }

    /**
     * Whether every edit is re-routed senders of one run on every cell of one row: edge attribution's and a circuit's
     * batches, where each row carries a value of its own (one select per row would be a group per row).
     */
    private static boolean reroutedOnly(List<RowEdit> edits) {
        if (edits.size() < 2) {
            return false;
        }
        long[] ids = null;
        for (RowEdit e : edits) {
            if (e.row() < 0 || !(e.intervention().value() instanceof Value.Senders v) || !e.intervention().cells().equals(Cells.ALL)
                    || (ids != null && !Arrays.equals(ids, v.ids()))) {
                return false;
            }
            ids = v.ids();
        }
        return true;
    }

    /**
     * Re-routed senders on several rows at once, each edit on every cell of its row: per row, the activation plus the
     * sum over its edits of (sender in the run - sender in this pass) times its weights, in one product per sender hook
     * for the whole batch, {@code [B, W, C, K] @ [B, 1, K, NT]} with each row's weights (zeros for a row without). Edits of
     * one row add up in any order, as applied one after the other: a difference does not read the activation. Rows
     * with no edit keep their values exactly.
     */
    private static NDArray reroutedRows(NDArray a, String hook, int start, List<RowEdit> edits, Sources sources,
                                        Sources.Pass pass) {
        int b = (int) a.getShape().get(0);
        List<RowEdit> here = new ArrayList<>();
        for (RowEdit e : edits) {
            if (e.row() < b) { // else a row not in this batch yet
                here.add(e);
            }
        }
        if (here.isEmpty()) {
            return a;
        }
        Value.Senders first = (Value.Senders) here.get(0).intervention().value();
        checkCovered(here, hook, start, a.getShape().get(HookPoint.positionAxis(hook)), covered(first, hook, sources));
        boolean perHead = a.getShape().dimension() == 4; // [B, W, NH, C] or [B, W, C]
        int nt = first.perSender();
        Map<String, float[]> weights = new java.util.LinkedHashMap<>(); // per sender hook: [B, K, NT]
        Map<String, Integer> heads = new java.util.HashMap<>();
        boolean[] carries = new boolean[b];
        for (RowEdit e : here) {
            Value.Senders v = (Value.Senders) e.intervention().value();
            carries[e.row()] = true;
            for (int i = 0; i < v.senders().size(); i++) {
                Value.Sender sender = v.senders().get(i);
                int k = heads.computeIfAbsent(sender.hook(), h -> sender.head() < 0 ? 1
                        : (int) sources.get(v.ids(), h).getShape().get(2));
                float[] w = weights.computeIfAbsent(sender.hook(), h -> new float[b * k * nt]);
                int at = (e.row() * k + Math.max(0, sender.head())) * nt;
                for (int j = 0; j < nt; j++) {
                    w[at + j] += v.weights()[i * nt + j];
                }
            }
        }
        NDManager m = a.getManager();
        NDArray sum = null; // [B, W, NT, C]
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            String sender = e.getKey();
            int k = heads.get(sender);
            NDArray run = window(sources.get(first.ids(), sender), a, sender, start); // [1, W, C] or [1, W, K, C]
            NDArray diff = run.sub(pass.get(sender, a)); // [B, W, (K,) C]
            if (diff.getShape().dimension() == 3) {
                diff = diff.expandDims(2); // [B, W, 1, C]
            }
            NDArray w = m.create(e.getValue(), new Shape(b, 1, k, nt)).toType(a.getDataType(), false); // [B, 1, K, NT]
            NDArray part = diff.transpose(0, 1, 3, 2).matMul(w).transpose(0, 1, 3, 2); // [B, W, NT, C]
            sum = sum == null ? part : sum.add(part);
        }
        NDArray fresh = a.add(perHead ? sum : sum.squeeze(2)); // [B, W, ...]
        NDArray rows = m.create(carries, new Shape(b, 1, 1, 1).slice(0, a.getShape().dimension())).broadcast(a.getShape());
        return NDArrays.where(rows, fresh, a);
    }

    /** The rows a group's edits are on, in order, or null when one of them is on every row (or all rows are). */
    private static int[] rows(List<RowEdit> group, int b) {
        java.util.TreeSet<Integer> rows = new java.util.TreeSet<>();
        for (RowEdit e : group) {
            if (e.row() < 0) {
                return null;
            }
            if (e.row() < b) {
                rows.add(e.row());
            }
        }
        return rows.size() == b ? null : rows.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Re-routed senders ({@link Value.Senders}): the activation plus, per sender, (its value in the run minus its value
     * in this pass) times its weights, computed for {@code rows} alone (null: every row), {@code [B, W, ...]}. Senders
     * of one hook point go in one product: {@code [n, W, C, K] @ [K, NT]}, K the point's heads (1 when it has none),
     * NT the receiving point's.
     */
    private static NDArray rerouted(NDArray a, int start, Value.Senders value, Sources sources, Sources.Pass pass, int[] rows) {
        NDManager m = a.getManager();
        NDArray index = rows == null ? null : m.create(Arrays.stream(rows).mapToLong(r -> r).toArray());
        NDArray own = index == null ? a : a.get(new NDIndex("{}", index)); // [n, W, ...]
        boolean perHead = own.getShape().dimension() == 4; // [n, W, NH, C] or [n, W, C]
        int nt = value.perSender();
        Map<String, float[]> weights = new java.util.LinkedHashMap<>(); // per sender hook: [K, NT]
        Map<String, Integer> heads = new java.util.HashMap<>();
        for (int i = 0; i < value.senders().size(); i++) {
            Value.Sender sender = value.senders().get(i);
            NDArray run = sources.get(value.ids(), sender.hook());
            int k = sender.head() < 0 ? 1 : (int) run.getShape().get(2);
            heads.put(sender.hook(), k);
            float[] w = weights.computeIfAbsent(sender.hook(), h -> new float[k * nt]);
            int row = Math.max(0, sender.head());
            for (int j = 0; j < nt; j++) {
                w[row * nt + j] += value.weights()[i * nt + j];
            }
        }
        NDArray sum = null; // [n, W, NT, C]
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            String hook = e.getKey();
            int k = heads.get(hook);
            NDArray run = window(sources.get(value.ids(), hook), own, hook, start); // [1, W, C] or [1, W, K, C]
            NDArray here = pass.get(hook, a); // [B, W, ...]
            NDArray diff = run.sub(index == null ? here : here.get(new NDIndex("{}", index))); // [n, W, (K,) C]
            if (diff.getShape().dimension() == 3) {
                diff = diff.expandDims(2); // [n, W, 1, C]
            }
            NDArray w = m.create(e.getValue(), new Shape(k, nt)).toType(a.getDataType(), false); // [K, NT]
            NDArray part = diff.transpose(0, 1, 3, 2).matMul(w).transpose(0, 1, 3, 2); // [n, W, NT, C]
            sum = sum == null ? part : sum.add(part);
        }
        NDArray fresh = own.add(perHead ? sum : sum.squeeze(2)); // [n, W, ...]
        if (index == null) {
            return fresh;
        }
        NDList parts = new NDList();
        for (int r = 0, k = 0; r < a.getShape().get(0); r++) { // the other rows' values are never taken: any will do
            boolean mine = k < rows.length && rows[k] == r;
            parts.add(mine ? fresh.get("{}:{}", k, k + 1) : a.get("{}:{}", r, r + 1));
            k += mine ? 1 : 0;
        }
        return NDArrays.concat(parts);
    }

    /**
     * A table's rows for this pass's positions, {@code [1, W, ...]} (or {@code [1, 1, ...]} for one row for every
     * position); rows past the table's end are zeros, and a replaced cell there is an error.
     */
    private static NDArray table(NDArray a, String hook, int start, Value.Table table) {
        Shape s = a.getShape();
        long[] dims = s.getShape().clone();
        dims[0] = 1;
        if (table.positions() == 0) {
            dims[1] = 1;
            return a.getManager().create(table.data(), new Shape(dims)).toType(a.getDataType(), false);
        }
        int w = (int) s.get(1);
        int width = table.width();
        float[] rows = new float[w * width];
        int have = Math.max(0, Math.min(w, table.positions() - start));
        if (have > 0) {
            System.arraycopy(table.data(), start * width, rows, 0, have * width);
        }
        return a.getManager().create(rows, new Shape(dims)).toType(a.getDataType(), false);
    }

    /**
     * Another run's activation over this pass's positions (and, at the scores and pattern, its keys), zeros past
     * its end: {@code [1, W, ...]} or {@code [1, NH, W, K]}.
     */
    private static NDArray window(NDArray other, NDArray a, String hook, int start) {
        NDArray run = StepArrays.inStep(other, a.getManager()); // [1, T', ...]: what is computed lands in a's manager
        int posAxis = HookPoint.positionAxis(hook);
        NDArray rows = fit(run, posAxis, start, a.getShape().get(posAxis));
        return posAxis == 2 ? fit(rows, 3, 0, a.getShape().get(3)) : rows;
    }

    /** {@code x}'s entries {@code from..from+n-1} along {@code axis}, zeros for those past its end. */
    private static NDArray fit(NDArray x, int axis, long from, long n) {
        long have = x.getShape().get(axis);
        long end = Math.min(have, from + n);
        String[] index = new String[x.getShape().dimension()];
        Arrays.fill(index, ":");
        index[axis] = Math.min(from, have) + ":" + end;
        NDArray part = x.get(new NDIndex(String.join(",", index)));
        if (end - from >= n) {
            return part;
        }
        long[] pad = x.getShape().getShape().clone();
        pad[axis] = n - Math.max(0, end - from);
        return part.concat(x.getManager().zeros(new Shape(pad), x.getDataType()), axis);
    }

    /** The positions a value has values for, or -1 for every position. */
    private static int covered(Value value, String hook, Sources sources) {
        if (value instanceof Value.FromRun f) {
            return (int) sources.get(f.ids(), hook).getShape().get(HookPoint.positionAxis(hook));
        }
        if (value instanceof Value.Senders s) {
            return (int) sources.get(s.ids(), s.senders().get(0).hook()).getShape().get(1);
        }
        Value.Table t = value instanceof Value.Add add ? add.vector() : value instanceof Value.Put put ? put.values() : null;
        return t == null || t.positions() == 0 ? -1 : t.positions();
    }

    /** Refuses a replaced cell of this pass past the end of what the value covers. */
    private static void checkCovered(List<RowEdit> group, String hook, int start, long w, int covered) {
        if (covered < 0 || start + w <= covered) {
            return;
        }
        for (RowEdit e : group) {
            for (long p = Math.max(start, covered); p < start + w; p++) {
                if (e.intervention().cells().hasPosition(p)) {
                    throw new IllegalArgumentException(pastTheEnd(hook, covered, (int) p));
                }
            }
        }
    }

    /**
     * Where the cells of {@code cells} lie in a one-run activation of shape {@code s} at {@code hook}, laid out flat:
     * per replaced (position, head), in position order, its position and the offset of its {@code width} values.
     */
    record CellRuns(int[] positions, int[] offsets, int width) {}

    static CellRuns cellRuns(String hook, Cells cells, Shape s) {
        int headAxis = HookPoint.headAxis(hook);
        boolean headsFirst = headAxis == 1; // [1, NH, T, K]
        int t = (int) s.get(HookPoint.positionAxis(hook));
        int nh = headAxis < 0 ? 1 : (int) s.get(headAxis);
        int width = (int) (s.size() / t / nh); // one head's values at one position (or a position's, without heads)
        List<int[]> runs = new ArrayList<>();
        for (int p = 0; p < t; p++) {
            for (int h = 0; h < nh && cells.hasPosition(p); h++) {
                if (headAxis < 0 || cells.hasHead(h)) {
                    runs.add(new int[] {p, (headsFirst ? h * t + p : p * nh + h) * width});
                }
            }
        }
        return new CellRuns(runs.stream().mapToInt(r -> r[0]).toArray(), runs.stream().mapToInt(r -> r[1]).toArray(), width);
    }

    /** The line for a position past the end of a table or run. */
    static String pastTheEnd(String hook, int positions, int position) {
        return "the values at " + hook + " cover positions 0.." + (positions - 1) + "; position " + position
                + " is past their end";
    }
}
