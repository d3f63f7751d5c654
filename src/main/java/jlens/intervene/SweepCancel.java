package jlens.intervene;

import java.util.concurrent.CancellationException;

/** The check a sweep makes between steps. */
final class SweepCancel {
    private SweepCancel() {}

    /** Ends the sweep when the caller's flag is set or the thread was interrupted (the flag stays set). */
    static void check(SweepOptions options) {
        if (Thread.currentThread().isInterrupted() || options.cancelled().getAsBoolean()) {
            throw new CancellationException("sweep cancelled");
        }
    }
}
