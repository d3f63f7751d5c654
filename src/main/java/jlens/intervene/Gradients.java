package jlens.intervene;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jlens.analysis.Metric;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * The gradient of a metric at hook points, averaged over runs of one text: the rows are experiments on the same token
 * ids, each with its own changes, run as batches {@code [n, T]} with one backward pass of their summed metric per
 * batch (the rows do not mix, so each row's gradient is its own). Edge attribution reads it: EAP at the clean run
 * (one row), EAP-IG at runs whose input embedding moves from the corrupted text's to the clean one's (S rows).
 *
 * <p>A per-head input ({@code hook_q_input}, ...) would need each head's own copy of the residual in the pass
 * ({@code [n, T, NH, C]} three times a layer, kept for the backward pass). Its gradient is instead derived: the
 * gradient at the head's query (key, value) {@code [n, T, NH, HS]} through that head's columns of {@code c_attn} and
 * back through {@code ln_1} at the layer's residual, LayerNorm's backward written out. The oracle
 * ({@code options.naive()}) takes it by autograd through the split pass; {@code GradientsTest} holds them together.
 * The weights never require a gradient (they may be read-only file pages): only zeros added at the hook points do,
 * and nothing outlives the call but what it returns.
 */
public final class Gradients {
    private Gradients() {}

    /**
     * @param metrics each row's metric, in order
     * @param gradients per hook point asked for, the gradient averaged over the rows, {@code [1, T, ...]}
     * @param activations per hook point asked to record, its activation in the first row, {@code [1, T, ...]}
     */
    public record Result(double[] metrics, Map<String, NDArray> gradients, Map<String, NDArray> activations) {}

    /**
     * @param rows experiments on the same ids whose read-outs are metrics
     * @param at hook points (exact names) to take the gradient at
     * @param record hook points (exact names) whose activation in the first row is returned
     * @param into where the returned arrays live
     * @throws IllegalArgumentException for rows on different texts, read-outs that are not metrics, values that read
     *     their own pass, or a change in force after the last block (the metric is read from the final residual)
     */
    public static Result of(Gpt2 model, List<Intervention> standing, List<Experiment> rows, Collection<String> at,
                            Collection<String> record, SweepOptions options, NDManager into) {
        Gpt2Config config = model.config();
        check(model, standing, rows);
        long[] ids = rows.get(0).ids();
        int t = ids.length;
        Set<String> direct = new LinkedHashSet<>(); // taken by autograd at the point itself
        Map<Integer, List<Integer>> derived = new LinkedHashMap<>(); // layer -> which of q, k, v inputs: derived
        for (String name : at) {
            int input = inputIndex(name);
            if (input >= 0 && !options.naive()) {
                int l = HookPoint.layerOf(name);
                derived.computeIfAbsent(l, k -> new ArrayList<>()).add(input);
                direct.add(HookPoint.block(l, new String[] {HookPoint.Q, HookPoint.K, HookPoint.V}[input]));
            } else {
                direct.add(name);
            }
        }
        Set<String> kept = new LinkedHashSet<>(record);
        derived.keySet().forEach(l -> kept.add(HookPoint.block(l, HookPoint.RESID_PRE)));
        int perBatch = Math.max(1, options.maxBatchRows() / t);
        double[] metrics = new double[rows.size()];
        Map<String, NDArray> sums = new LinkedHashMap<>();
        Map<String, NDArray> first = new LinkedHashMap<>();
        int nLayer = config.nLayer();
        try (NDManager all = model.manager().newSubManager()) {
            List<Intervention> own = new ArrayList<>();
            rows.forEach(e -> own.addAll(e.interventions()));
            Sources sources = new Sources();
            sources.compute(model, standing, Sources.needs(own), all, options::checkCancel);
            for (int from = 0; from < rows.size(); from += perBatch) {
                List<Experiment> batch = rows.subList(from, Math.min(rows.size(), from + perBatch));
                int n = batch.size();
                Hooks hooks = new Hooks(HookPoint.all(nLayer), nLayer); // a private registry: the model's stays untouched
                Map<String, NDArray> zeros = new LinkedHashMap<>();
                Map<String, NDArray> seen = new LinkedHashMap<>();
                try (NDManager pass = all.newSubManager(); Hooks.Scope scope = hooks.scope();
                     GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    register(scope, standing, batch, sources);
                    for (String name : kept) {
                        scope.add(name, (h, a) -> {
                            seen.put(h, StepArrays.keep(a, pass));
                            return null;
                        });
                    }
                    for (String name : direct) {
                        scope.add(name, (h, a) -> {
                            NDArray zero = pass.zeros(a.getShape(), a.getDataType()); // d metric / d zero = d metric / d a
                            zero.setRequiresGradient(true);
                            zeros.put(h, zero);
                            return a.add(zero);
                        });
                    }
                    NDArray tokens = pass.create(ids, new Shape(1, t)).repeat(0, n); // [n, T]
                    NDArray x = model.embed(tokens, 0, hooks); // [n, T, C]
                    for (int l = 0; l < nLayer; l++) {
                        options.checkCancel();
                        x = model.block(l, x, null, hooks).residual(); // [n, T, C]
                    }
                    NDList each = new NDList();
                    for (int r = 0; r < n; r++) {
                        Metric m = batch.get(r).readout().metric();
                        each.add(m.tensor(model, x.get("{}:{}, {}, :", r, r + 1, m.at(t)))); // [1]
                    }
                    // [n]; DJL's concat of a single array returns a copy without the autograd graph
                    NDArray m = n == 1 ? each.get(0) : ai.djl.ndarray.NDArrays.concat(each);
                    float[] values = m.toType(DataType.FLOAT32, false).toFloatArray();
                    for (int r = 0; r < n; r++) {
                        metrics[from + r] = values[r];
                    }
                    if (!zeros.isEmpty()) {
                        collector.backward(m.sum());
                    }
                    for (Map.Entry<String, NDArray> e : zeros.entrySet()) {
                        accumulate(sums, e.getKey(), e.getValue().getGradient().sum(new int[] {0}, true), into);
                    }
                    for (Map.Entry<Integer, List<Integer>> e : derived.entrySet()) {
                        int l = e.getKey();
                        for (int input : e.getValue()) {
                            String point = new String[] {HookPoint.Q, HookPoint.K, HookPoint.V}[input];
                            NDArray g = zeros.get(HookPoint.block(l, point)).getGradient(); // [n, T, NH, HS]
                            accumulate(sums, HookPoint.block(l, new String[] {HookPoint.Q_INPUT, HookPoint.K_INPUT,
                                    HookPoint.V_INPUT}[input]), headInputGradient(model, l, input, seen.get(HookPoint.block(l,
                                    HookPoint.RESID_PRE)), g).sum(new int[] {0}, true), into);
                        }
                    }
                    if (from == 0) {
                        for (String name : record) {
                            first.put(name, StepArrays.keep(seen.get(name).get("0:1"), into));
                        }
                    }
                }
            }
        }
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        for (String name : at) {
            NDArray sum = sums.get(name);
            gradients.put(name, sum == null ? null : sum.divi((float) rows.size()));
        }
        return new Result(metrics, gradients, first);
    }

    /**
     * The gradient at each head's own q, k or v input ({@code input} 0, 1, 2) of layer {@code l}, {@code [n, T, NH, C]},
     * from the gradient at its projection {@code g} {@code [n, T, NH, HS]} and the layer's residual {@code x}
     * {@code [n, T, C]}: through the head's columns of {@code c_attn}, then LayerNorm's backward,
     * {@code dx = (ĝ - mean(ĝ) - x̂ mean(ĝ x̂)) / σ} with {@code ĝ = g ⊙ w}, {@code x̂ = (x - μ) / σ}.
     */
    static NDArray headInputGradient(Gpt2 model, int l, int input, NDArray x, NDArray g) {
        Gpt2Config config = model.config();
        NDManager m = g.getManager();
        int nh = config.nHead();
        int hs = config.dHead();
        long c = config.nEmbd();
        Shape s = g.getShape(); // [n, T, NH, HS]
        NDArray w = model.weights().attnColumns(l, input, m).reshape(c, nh, hs).transpose(1, 2, 0); // [NH, HS, C]
        NDArray gy = g.transpose(2, 0, 1, 3).reshape(nh, s.get(0) * s.get(1), hs).matMul(w) // [NH, n*T, C]
                .reshape(nh, s.get(0), s.get(1), c).transpose(1, 2, 0, 3); // [n, T, NH, C]: d metric / d ln_1(input)
        NDArray lnW = model.weights().copy("h." + l + ".ln_1.weight", m); // [C]
        NDArray xs = x.toType(g.getDataType(), false).expandDims(2); // [n, T, 1, C]
        NDArray mu = xs.mean(new int[] {3}, true); // [n, T, 1, 1]
        NDArray centred = xs.sub(mu);
        NDArray sigma = centred.square().mean(new int[] {3}, true).add((float) config.layerNormEps()).sqrt(); // [n, T, 1, 1]
        NDArray xhat = centred.div(sigma); // [n, T, 1, C]
        NDArray gh = gy.mul(lnW); // [n, T, NH, C]
        return gh.sub(gh.mean(new int[] {3}, true)).sub(xhat.mul(gh.mul(xhat).mean(new int[] {3}, true))).div(sigma);
    }

    /** 0, 1, 2 for a per-head q, k, v input; -1 otherwise. */
    private static int inputIndex(String name) {
        return switch (HookPoint.pointOf(name)) {
            case HookPoint.Q_INPUT -> 0;
            case HookPoint.K_INPUT -> 1;
            case HookPoint.V_INPUT -> 2;
            default -> -1;
        };
    }

    private static void accumulate(Map<String, NDArray> sums, String name, NDArray part, NDManager into) {
        NDArray sum = sums.get(name);
        if (sum == null) {
            sums.put(name, StepArrays.keep(part, into));
        } else {
            sum.addi(part);
        }
    }

    /** The changes in force on every row, then each row's own. */
    private static void register(Hooks.Scope scope, List<Intervention> standing, List<Experiment> batch, Sources sources) {
        Map<String, List<SiteEdits.RowEdit>> byHook = new LinkedHashMap<>();
        standing.forEach(s -> byHook.computeIfAbsent(s.hook(), h -> new ArrayList<>()).add(new SiteEdits.RowEdit(-1, s)));
        for (int r = 0; r < batch.size(); r++) {
            for (Intervention i : batch.get(r).interventions()) {
                byHook.computeIfAbsent(i.hook(), h -> new ArrayList<>()).add(new SiteEdits.RowEdit(r, i));
            }
        }
        byHook.forEach((hook, edits) -> scope.add(hook, (name, a) -> SiteEdits.apply(a, name, 0, edits, sources)));
    }

    private static void check(Gpt2 model, List<Intervention> standing, List<Experiment> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no runs to take a gradient over");
        }
        int nLayer = model.config().nLayer();
        for (Intervention s : standing) {
            if (s.layer(nLayer) >= nLayer) {
                throw new IllegalArgumentException("gradients read the metric from the final residual; " + s.describe()
                        + " changes what comes after it");
            }
        }
        for (Experiment e : rows) {
            if (!java.util.Arrays.equals(e.ids(), rows.get(0).ids())) {
                throw new IllegalArgumentException("the runs of one gradient are runs of one text");
            }
            if (e.readout().metric() == null) {
                throw new IllegalArgumentException("a gradient is taken of a metric; a run reads something else");
            }
            for (Intervention i : e.interventions()) {
                if (i.value() instanceof Value.Senders || i.layer(nLayer) >= nLayer) {
                    throw new IllegalArgumentException(i.describe() + ": not in a gradient's runs (it reads its own pass,"
                            + " or changes what comes after the final residual)");
                }
            }
        }
        Experiments.check(model, standing, rows);
    }
}
