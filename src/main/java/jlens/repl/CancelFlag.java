package jlens.repl;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;

/** Ctrl-C for the running command: a flag it polls, and actions (a download's own cancel) run when it is set. */
final class CancelFlag {
    private volatile boolean requested;
    private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();

    void cancel() {
        requested = true;
        onCancel.forEach(Runnable::run);
    }

    /** Forgets an earlier Ctrl-C before new input runs. */
    void clear() {
        requested = false;
        onCancel.clear();
    }

    void onCancel(Runnable r) {
        onCancel.add(r);
    }

    boolean requested() {
        return requested;
    }

    /** Throws {@link CancellationException} if Ctrl-C was pressed or the thread was interrupted. */
    void check() {
        if (requested || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("cancelled");
        }
    }
}
