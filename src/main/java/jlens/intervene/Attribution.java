package jlens.intervene;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jlens.analysis.Metric;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;

/**
 * Attribution patching: the first-order estimate of every experiment at once. Per text and metric, one forward pass
 * adds a zero that requires a gradient at every hook point the experiments change, and one backward pass of the
 * metric gives {@code d metric / d activation} there. An experiment's estimate is the plain run's metric plus, over
 * the cells it changes, {@code (new value - plain value) . gradient}. It is exact for a metric linear in the
 * activation and drifts as the change grows through non-linearities (LayerNorms, attention softmax, GELU), which is
 * why the REPL shows it beside the exact grid with their correlation. Values from other runs are read from one pass
 * of each (with the changes in force, as the exact experiments read them).
 */
public final class Attribution {
    private Attribution() {}

    /**
     * The estimate of each experiment's metric, in order.
     *
     * @throws IllegalArgumentException for a read-out that is not a metric, or a change in force at the final norm or
     *     logits (the estimate reads the metric from the final residual)
     */
    public static double[] estimate(Gpt2 model, List<Intervention> standing, List<Experiment> list, SweepOptions options) {
        for (Intervention s : standing) {
            if (s.layer(model.config().nLayer()) >= model.config().nLayer()) {
                throw new IllegalArgumentException("attribution reads the metric from the final residual; " + s.describe()
                        + " changes what comes after it");
            }
        }
        double[] out = new double[list.size()];
        Map<Sources.Ids, Map<Metric, List<Integer>>> groups = new LinkedHashMap<>();
        List<Intervention> own = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Metric m = list.get(i).readout().metric();
            if (m == null) {
                throw new IllegalArgumentException("attribution estimates a metric; experiment " + i + " reads something else");
            }
            groups.computeIfAbsent(new Sources.Ids(list.get(i).ids()), k -> new LinkedHashMap<>())
                    .computeIfAbsent(m, k -> new ArrayList<>()).add(i);
            own.addAll(list.get(i).interventions());
        }
        try (NDManager all = model.manager().newSubManager()) {
            Sources sources = new Sources();
            sources.compute(model, standing, Sources.needs(own), all, options::checkCancel);
            Map<Sources.Ids, Map<String, float[]>> kept = new HashMap<>();
            groups.forEach((ids, byMetric) -> byMetric.forEach((metric, rows) -> {
                options.checkCancel();
                Pass pass = backward(model, standing, ids.ids(), metric, rows, list, all);
                for (int i : rows) {
                    double sum = 0;
                    for (Intervention x : list.get(i).interventions()) {
                        sum += firstOrder(x, pass, sources, kept, all);
                    }
                    out[i] = pass.metric + sum;
                }
            }));
        }
        return out;
    }

    /** The plain run's metric, and per changed hook point its activation and the metric's gradient there. */
    private record Pass(double metric, Map<String, float[]> activation, Map<String, float[]> gradient, Map<String, Shape> shape) {}

    private static Pass backward(Gpt2 model, List<Intervention> standing, long[] ids, Metric metric, List<Integer> rows,
                                 List<Experiment> list, NDManager all) {
        int nLayer = model.config().nLayer();
        Set<String> points = new LinkedHashSet<>();
        rows.forEach(i -> list.get(i).interventions().forEach(x -> points.add(x.hook())));
        Hooks hooks = new Hooks(HookPoint.all(nLayer), nLayer); // a private registry: the model's stays untouched
        Map<String, NDArray> zeros = new LinkedHashMap<>();
        Map<String, float[]> activation = new HashMap<>();
        Map<String, Shape> shape = new HashMap<>();
        try (NDManager pass = all.newSubManager(); Hooks.Scope scope = hooks.scope();
             GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            Interventions.register(scope, standing, () -> 0);
            for (String point : points) {
                scope.add(point, (name, a) -> {
                    activation.put(name, floats(a));
                    shape.put(name, a.getShape());
                    NDArray zero = pass.zeros(a.getShape(), a.getDataType()); // d metric / d zero = d metric / d a
                    zero.setRequiresGradient(true);
                    zeros.put(name, zero);
                    return a.add(zero);
                });
            }
            NDArray x = model.embed(pass.create(ids, new Shape(1, ids.length)), 0, hooks); // [1, T, C]
            for (int l = 0; l < nLayer; l++) {
                x = model.block(l, x, null, hooks).residual(); // [1, T, C]
            }
            int q = metric.at(ids.length);
            NDArray m = metric.tensor(model, x.get(":, {}, :", q)); // [1]
            double value = m.toType(DataType.FLOAT64, false).getDouble(0);
            if (!zeros.isEmpty()) { // else the plain run's metric is all that is asked
                collector.backward(m);
            }
            Map<String, float[]> gradient = new HashMap<>();
            zeros.forEach((name, zero) -> gradient.put(name, floats(zero.getGradient())));
            return new Pass(value, activation, gradient, shape);
        }
    }

    /** {@code (new - plain) . gradient} over the cells of {@code x}. */
    private static double firstOrder(Intervention x, Pass pass, Sources sources, Map<Sources.Ids, Map<String, float[]>> kept,
                                     NDManager all) {
        String hook = x.hook();
        float[] plain = pass.activation().get(hook);
        float[] grad = pass.gradient().get(hook);
        Shape s = pass.shape().get(hook);
        float[] fresh = newValues(x, plain, s, sources, kept, all); // null for zeros
        SiteEdits.CellRuns runs = SiteEdits.cellRuns(hook, x.cells(), s);
        double sum = 0;
        for (int offset : runs.offsets()) {
            for (int k = offset; k < offset + runs.width(); k++) {
                double v = fresh == null ? 0 : fresh[k];
                sum += (v - plain[k]) * grad[k];
            }
        }
        return sum;
    }

    /** The value's new values for the whole activation, laid out as {@code plain}; null for zeros. */
    private static float[] newValues(Intervention x, float[] plain, Shape s, Sources sources,
                                     Map<Sources.Ids, Map<String, float[]>> kept, NDManager all) {
        Value v = x.value();
        if (v instanceof Value.Zero) {
            return null;
        }
        if (v instanceof Value.FromRun f) {
            float[] other = kept.computeIfAbsent(new Sources.Ids(f.ids()), k -> new HashMap<>()).computeIfAbsent(x.hook(), h -> floats(sources.get(f.ids(), h)));
            if (other.length != plain.length) {
                throw new IllegalArgumentException("attribution patches runs of one length: " + x.describe());
            }
            return other;
        }
        try (NDManager m = all.newSubManager()) { // every other value through the select itself
            NDArray a = m.create(plain, s);
            return floats(SiteEdits.apply(a, x.hook(), 0, List.of(new SiteEdits.RowEdit(-1, x)), sources));
        }
    }

    private static float[] floats(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
