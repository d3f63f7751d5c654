package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;

/**
 * Other runs' activations that values read ({@link Value.FromRun}, {@link Value.MeanOfRun}), by the run's token ids
 * and the hook point: compact copies {@code [1, T, ...]} that live as long as the manager they were kept in.
 */
final class Sources {
    private final Map<Run, NDArray> arrays = new HashMap<>();

    /** A run's token ids as a key. */
    record Ids(long[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Ids other && Arrays.equals(ids, other.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }

    private record Run(Ids ids, String hook) {}

    /** The activation at {@code hook} in the run of {@code ids}, {@code [1, T, ...]}. */
    NDArray get(long[] ids, String hook) {
        NDArray a = arrays.get(new Run(new Ids(ids), hook));
        if (a == null) {
            throw new IllegalStateException("no run of " + ids.length + " tokens kept at " + hook);
        }
        return a;
    }

    boolean has(long[] ids, String hook) {
        return arrays.containsKey(new Run(new Ids(ids), hook));
    }

    void put(long[] ids, String hook, NDArray a) {
        arrays.put(new Run(new Ids(ids), hook), a);
    }

    /** A hook that keeps a compact copy of what it sees (after the changes before it) under {@code ids}, in {@code into}. */
    jlens.hook.Hook recorder(long[] ids, NDManager into) {
        return (name, a) -> {
            put(ids, name, StepArrays.keep(a, into));
            return null;
        };
    }

    /** The runs and hook points the values of {@code interventions} read. */
    static Map<Ids, Set<String>> needs(Collection<Intervention> interventions) {
        Map<Ids, Set<String>> out = new LinkedHashMap<>();
        for (Intervention i : interventions) {
            long[] ids = i.value().runIds();
            if (ids != null) {
                out.computeIfAbsent(new Ids(ids), k -> new LinkedHashSet<>()).addAll(readAt(i));
            }
        }
        return out;
    }

    /** The hook points whose values {@code i} reads from its run: its own, or its senders'. */
    static Set<String> readAt(Intervention i) {
        if (i.value() instanceof Value.Senders s) {
            Set<String> out = new LinkedHashSet<>();
            s.senders().forEach(x -> out.add(x.hook()));
            return out;
        }
        return Set.of(i.hook());
    }

    /**
     * This pass's own activations, as values that read them ({@link Value.Senders}) see them: at a hook point the pass
     * has already reached, {@code [B, W, ...]} over the same rows and positions as the activation being changed.
     */
    @FunctionalInterface
    interface Pass {
        /** The activation at {@code hook}, over the rows and positions of {@code like}, computed in its manager. */
        NDArray get(String hook, NDArray like);

        /** For the routes where no value reads its own pass (checked before they run). */
        Pass NONE = (hook, like) -> {
            throw new IllegalStateException("no pass values here for " + hook);
        };
    }

    /**
     * One full pass per run in {@code needs}, with the changes in force ({@code standing}), keeping the hook points
     * asked for in {@code into}.
     */
    void compute(Gpt2 model, List<Intervention> standing, Map<Ids, Set<String>> needs, NDManager into, Runnable betweenLayers) {
        int nLayer = model.config().nLayer();
        Hooks hooks = new Hooks(HookPoint.all(nLayer), nLayer); // a private registry: the model's stays untouched
        for (Map.Entry<Ids, Set<String>> e : needs.entrySet()) {
            long[] ids = e.getKey().ids();
            try (Hooks.Scope scope = hooks.scope(); NDManager pass = into.newSubManager()) {
                Interventions.register(scope, standing, () -> 0, this);
                e.getValue().forEach(name -> scope.add(name, recorder(ids, into)));
                NDArray x = model.embed(pass.create(ids, new Shape(1, ids.length)), 0, hooks); // [1, T, C]
                for (int l = 0; l < nLayer; l++) {
                    betweenLayers.run();
                    x = model.block(l, x, null, hooks).residual(); // [1, T, C]
                }
                if (hooks.has(HookPoint.LN_FINAL) || hooks.has(HookPoint.LOGITS)) {
                    model.unembed(x, hooks);
                }
            }
        }
    }
}
