package jlens.model.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A cancel flag for a download, set from another thread (the REPL's Ctrl-C handler). Interrupting the downloading
 * thread works too. A cancelled download keeps its {@code .incomplete} file, so the next try resumes.
 */
public final class Cancellation {
    private volatile boolean cancelled;
    private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();

    /** Asks the download to stop; returns at once. Safe to call from any thread, any number of times. */
    public void cancel() {
        cancelled = true;
        for (Runnable r : onCancel) {
            r.run();
        }
    }

    /** True after {@link #cancel()}, or when the current thread has been interrupted. */
    public boolean isCancelled() {
        return cancelled || Thread.currentThread().isInterrupted();
    }

    /** The flag alone, ignoring interrupts: for threads other than the downloading one. */
    boolean flagged() {
        return cancelled;
    }

    /** Runs {@code r} when cancelled (at once if already cancelled); the returned handle unregisters it. */
    AutoCloseable whenCancelled(Runnable r) {
        onCancel.add(r);
        if (cancelled) {
            r.run();
        }
        return () -> onCancel.remove(r);
    }

    void check(String during) throws ModelStoreException {
        if (isCancelled()) {
            throw new ModelStoreException(ModelStoreException.Kind.CANCELLED,
                    "cancelled while " + during + "; run the same command again to resume");
        }
    }
}
