package jlens.intervene;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import jlens.hook.Hooks;

/**
 * Interventions as hooks of any pass: generation's steps, a prompt set's batches, the workspace's runs with the
 * changes in force. One hook per hook point applies that point's interventions in order through {@link SiteEdits},
 * the select every route shares.
 */
public final class Interventions {
    private Interventions() {}

    /**
     * Adds {@code list} to {@code scope}, each applied to every batch row; {@code start} gives the sequence position
     * of the pass's first position when the hook runs (0 for a full pass, the cache's length in a cached step).
     *
     * @throws IllegalArgumentException for a value that needs another run (patching, resampling): those run through
     *     {@link Experiments}, which makes that run first
     */
    public static void register(Hooks.Scope scope, List<Intervention> list, IntSupplier start) {
        for (Intervention i : list) {
            if (i.value().needsRun()) {
                throw new IllegalArgumentException(i.describe() + ": a value from another run is for experiments"
                        + " (patching, ablation sweeps), not for every pass");
            }
        }
        register(scope, list, start, new Sources());
    }

    static void register(Hooks.Scope scope, List<Intervention> list, IntSupplier start, Sources sources) {
        register(scope, list, start, sources, Sources.Pass.NONE);
    }

    /** As above, with {@code pass} giving this pass's own activations to values that read them. */
    static void register(Hooks.Scope scope, List<Intervention> list, IntSupplier start, Sources sources, Sources.Pass pass) {
        Map<String, List<SiteEdits.RowEdit>> byHook = new LinkedHashMap<>();
        for (Intervention i : list) {
            byHook.computeIfAbsent(i.hook(), h -> new ArrayList<>()).add(new SiteEdits.RowEdit(-1, i));
        }
        byHook.forEach((hook, edits) -> scope.add(hook, (name, a) -> SiteEdits.apply(a, name, start.getAsInt(), edits, sources, pass)));
    }

    /** One line per intervention, in order, for a reader. */
    public static List<String> describe(List<Intervention> list) {
        return list.stream().map(Intervention::describe).toList();
    }
}
