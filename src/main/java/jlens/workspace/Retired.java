package jlens.workspace;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Native memory the workspace let go of while other threads may still be inside a native operation on it: a
 * replaced run whose arrays were handed out to other threads, or the model those runs hang from. Each entry is
 * closed once every thread that held it has called into the workspace again ({@link #reap}, run inside the
 * workspace's lock, so the calling thread is not inside a native op on those arrays) or has ended.
 *
 * <p>Not thread-safe: the workspace calls it under its own lock.
 */
final class Retired {
    private record Entry(AutoCloseable resource, Set<Thread> holders) {}

    private final List<Entry> entries = new ArrayList<>();

    /**
     * Closes {@code resource} now if no live thread other than the caller holds it; otherwise keeps it until they
     * have all come back or ended.
     */
    void retire(AutoCloseable resource, Set<Thread> holders) {
        Set<Thread> pending = new LinkedHashSet<>(holders);
        pending.remove(Thread.currentThread());
        pending.removeIf(t -> !t.isAlive());
        if (pending.isEmpty()) {
            closeNow(resource);
        } else {
            entries.add(new Entry(resource, pending));
        }
    }

    /**
     * Closes what the workspace let go of once it is safe: the calling thread is in the workspace (not in a native
     * op on its old arrays), and ended threads are in none. Entries are closed in the order they were retired (runs
     * before the model they hang from).
     */
    void reap() {
        if (entries.isEmpty()) {
            return;
        }
        Thread me = Thread.currentThread();
        Iterator<Entry> it = entries.iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            e.holders().remove(me);
            e.holders().removeIf(t -> !t.isAlive());
            if (e.holders().isEmpty()) {
                it.remove();
                closeNow(e.resource());
            }
        }
    }

    /** The live threads that still hold anything kept here (a model let go of waits for all of them). */
    Set<Thread> holders() {
        Set<Thread> all = new LinkedHashSet<>();
        entries.forEach(e -> all.addAll(e.holders()));
        return all;
    }

    /** How many retired things wait to be closed. */
    int size() {
        return entries.size();
    }

    private static void closeNow(AutoCloseable resource) {
        try {
            resource.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
