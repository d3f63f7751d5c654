package jlens.hook;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hooks registered on a model, grouped in scopes: a scope's hooks are removed when it closes, also when an
 * exception or a cancellation leaves the block that opened it. With nothing registered a hook point costs one
 * emptiness check.
 */
public final class Hooks {
    private final Set<String> validNames;
    private final int nLayer;
    private final Map<String, List<Entry>> byName = new LinkedHashMap<>();
    private long added; // how many hooks were ever added: each registration's number

    private record Entry(Scope owner, Hook hook, long number) {}

    /**
     * @param validNames every hook point the model has (see {@link HookPoint#all(int)})
     * @param nLayer layer count, for resolving short and negative names
     */
    public Hooks(List<String> validNames, int nLayer) {
        this.validNames = Set.copyOf(validNames);
        this.nLayer = nLayer;
    }

    /** Opens a scope; hooks added to it live until it closes. */
    public synchronized Scope scope() {
        return new Scope();
    }

    public synchronized boolean isEmpty() {
        return byName.isEmpty();
    }

    public synchronized boolean has(String name) {
        return byName.containsKey(name);
    }

    /** Names with at least one hook, in registration order. */
    public synchronized List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /**
     * The numbers of the hooks registered now (each registration has its own, never reused), ascending: two equal lists
     * mean the very same hooks. A run's results depend on the hooks it ran with, so a cache of it is keyed on this.
     */
    public synchronized List<Long> registrations() {
        return byName.values().stream().flatMap(List::stream).map(Entry::number).sorted().toList();
    }

    /** Runs every hook on {@code name} in registration order; returns the (possibly replaced) activation. */
    public NDArray run(String name, NDArray activation) {
        List<Entry> entries;
        synchronized (this) {
            List<Entry> found = byName.get(name);
            if (found == null) {
                return activation;
            }
            entries = List.copyOf(found);
        }
        NDArray current = activation;
        for (Entry e : entries) {
            NDArray replaced = e.hook().apply(name, current);
            if (replaced != null) {
                if (!replaced.getShape().equals(current.getShape())) {
                    throw new IllegalStateException("a hook on " + name + " returned shape " + replaced.getShape()
                            + " instead of " + current.getShape());
                }
                current = replaced;
            }
        }
        return current;
    }

    /** Resolves a full or short hook name against this model (see {@link HookPoint#resolve}). */
    public String resolve(String spec) {
        String name = HookPoint.resolve(spec, nLayer);
        if (!validNames.contains(name)) {
            throw new IllegalArgumentException("unknown hook point '" + spec + "'");
        }
        return name;
    }

    private synchronized void add(Scope owner, String name, Hook hook) {
        byName.computeIfAbsent(name, k -> new ArrayList<>()).add(new Entry(owner, hook, ++added));
    }

    private synchronized void removeAll(Scope owner) {
        byName.values().forEach(list -> list.removeIf(e -> e.owner() == owner));
        byName.values().removeIf(List::isEmpty);
    }

    /** A set of hooks removed together. */
    public final class Scope implements AutoCloseable {
        private final List<String> added = new ArrayList<>();
        private boolean closed;

        private Scope() {}

        /** Adds a hook at a hook point given by full or short name; returns the exact name. */
        public String add(String spec, Hook hook) {
            if (closed) {
                throw new IllegalStateException("hook scope already closed");
            }
            String name = resolve(spec);
            Hooks.this.add(this, name, hook);
            added.add(name);
            return name;
        }

        /** The exact names this scope hooked, in order added. */
        public List<String> names() {
            return Collections.unmodifiableList(added);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                removeAll(this);
            }
        }
    }
}
