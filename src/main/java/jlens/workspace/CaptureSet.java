package jlens.workspace;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;

/** The exact names of the hook points the next run captures, in the order they were added. */
final class CaptureSet {
    private final Set<String> names = new LinkedHashSet<>();

    List<String> list() {
        return List.copyOf(names);
    }

    boolean isEmpty() {
        return names.isEmpty();
    }

    boolean contains(String exactName) {
        return names.contains(exactName);
    }

    /** Adds hook points by exact or short name; all are checked before any is added. */
    List<String> add(Collection<String> specs, Hooks registry) {
        List<String> resolved = new ArrayList<>();
        for (String spec : specs) {
            resolved.add(resolve(spec, registry));
        }
        names.addAll(resolved);
        return resolved;
    }

    /** Removes the named hook points (or all when none are named); returns what was removed. */
    List<String> remove(Collection<String> specs, Hooks registry) {
        if (specs.isEmpty()) {
            List<String> all = List.copyOf(names);
            names.clear();
            return all;
        }
        List<String> resolved = new ArrayList<>();
        for (String spec : specs) {
            String name = resolve(spec, registry);
            if (!names.contains(name)) {
                throw new InvalidInputException(name + " is not hooked; 'hooks' lists what is");
            }
            resolved.add(name);
        }
        names.removeAll(resolved);
        return resolved;
    }

    /** Drops the points of layers a smaller model does not have. */
    void keepLayersBelow(int nLayer) {
        names.removeIf(h -> HookPoint.layerOf(h) >= nLayer);
    }

    private static String resolve(String spec, Hooks registry) {
        try {
            return registry.resolve(spec);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }
}
