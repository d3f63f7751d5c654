package jlens.hook;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Activations captured during a forward pass, by exact hook name. The cache owns their native memory (its own
 * NDManager) and must be closed by its user; nothing in it belongs to the model or to the pass that filled it.
 */
public final class ActivationCache implements AutoCloseable {
    private final NDManager manager;
    private final int nLayer;
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();
    private boolean closed;

    /**
     * @param parent the manager to hang the cache's own manager on (usually the model's)
     * @param nLayer layer count, for short and negative names
     */
    public ActivationCache(NDManager parent, int nLayer) {
        this.manager = parent.newSubManager();
        this.nLayer = nLayer;
    }

    /**
     * A hook that stores what it sees under its hook name and changes nothing. Q, K and V are views into the
     * fused {@code [B, T, 3C]} c_attn output: they are stored as copies, so a capture of Q alone holds Q's
     * bytes, not three times as many, and the estimate made before the pass stays true.
     */
    public Hook recorder() {
        return (name, activation) -> {
            put(name, VIEWS_OF_LARGER_TENSORS.contains(HookPoint.pointOf(name)) ? activation.duplicate() : activation);
            return null;
        };
    }

    private static final java.util.Set<String> VIEWS_OF_LARGER_TENSORS = java.util.Set.of(HookPoint.Q, HookPoint.K, HookPoint.V);

    /** Layer count of the model the cache was filled from. */
    public int nLayer() {
        return nLayer;
    }

    /** Stores an activation; the cache takes ownership of it. */
    public synchronized void put(String name, NDArray activation) {
        checkOpen();
        activation.attach(manager);
        NDArray old = arrays.put(name, activation);
        if (old != null && old != activation) {
            old.close();
        }
    }

    /** By exact or short name ({@code blocks.5.attn.hook_q}, {@code q5}, {@code pattern -1}). */
    public synchronized NDArray get(String nameOrShort) {
        checkOpen();
        NDArray exact = arrays.get(nameOrShort);
        if (exact != null) {
            return exact;
        }
        String name = HookPoint.resolve(nameOrShort, nLayer);
        NDArray found = arrays.get(name);
        if (found == null) {
            throw new IllegalArgumentException("'" + name + "' was not captured; hook it first (for example 'hook "
                    + nameOrShort + "') and run again");
        }
        return found;
    }

    public synchronized boolean contains(String nameOrShort) {
        if (arrays.containsKey(nameOrShort)) {
            return true;
        }
        try {
            return arrays.containsKey(HookPoint.resolve(nameOrShort, nLayer));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The captured activations whose names pass {@code filter}, in capture order. */
    public synchronized Map<String, NDArray> select(Predicate<String> filter) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        arrays.forEach((k, v) -> {
            if (filter.test(k)) {
                out.put(k, v);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    public synchronized List<String> names() {
        return List.copyOf(arrays.keySet());
    }

    public synchronized int size() {
        return arrays.size();
    }

    /** Native bytes held. */
    public synchronized long bytes() {
        long total = 0;
        for (NDArray a : arrays.values()) {
            total += a.size() * a.getDataType().getNumOfBytes();
        }
        return total;
    }

    /** The manager that owns the cached arrays; arrays derived from them for the user may live here too. */
    public NDManager manager() {
        return manager;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("activation cache is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arrays.clear();
            manager.close();
        }
    }
}
