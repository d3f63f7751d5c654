package jlens.store;

/**
 * A cancel flag for a download, set from another thread (the REPL's Ctrl-C handler). Interrupting the downloading
 * thread works too. Either takes effect within about a tenth of a second, even while the connection is silent. A cancelled download keeps its {@code .incomplete} file, so the next try resumes.
 */
public final class Cancellation {
    private volatile boolean cancelled;

    /** Asks the download to stop; returns at once. Safe to call from any thread, any number of times. */
    public void cancel() {
        cancelled = true;
    }

    /** True after {@link #cancel()}, or when the current thread has been interrupted. */
    public boolean isCancelled() {
        return cancelled || Thread.currentThread().isInterrupted();
    }

    void check(String during) throws ModelStoreException {
        if (isCancelled()) {
            throw new ModelStoreException(ModelStoreException.Kind.CANCELLED,
                    "cancelled while " + during + "; run the same command again to resume");
        }
    }
}
