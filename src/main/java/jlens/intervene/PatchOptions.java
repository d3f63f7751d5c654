package jlens.intervene;

import java.util.function.BooleanSupplier;

/**
 * How a patching run goes.
 *
 * @param naive one full forward pass per cell through the model's hook registry (the test oracle) instead of the
 *     fast path
 * @param maxBatchRows the fast path's bound on cells x recomputed positions per batch; a layer step holds about
 *     {@code 160 * C} bytes per row (100 MB at the default for gpt2-large)
 * @param progress told after every step
 * @param cancelled polled between steps, as is the thread's interrupt flag; either ends the run with a
 *     {@link java.util.concurrent.CancellationException}
 */
public record PatchOptions(boolean naive, int maxBatchRows, SweepProgress progress, BooleanSupplier cancelled) {
    public static final int DEFAULT_MAX_BATCH_ROWS = 512;

    public PatchOptions {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be at least 1");
        }
        if (progress == null) {
            progress = SweepProgress.NONE;
        }
        if (cancelled == null) {
            cancelled = () -> false;
        }
    }

    public static PatchOptions defaults() {
        return new PatchOptions(false, DEFAULT_MAX_BATCH_ROWS, SweepProgress.NONE, () -> false);
    }

    public PatchOptions withNaive(boolean value) {
        return new PatchOptions(value, maxBatchRows, progress, cancelled);
    }

    public PatchOptions withMaxBatchRows(int value) {
        return new PatchOptions(naive, value, progress, cancelled);
    }

    public PatchOptions withProgress(SweepProgress value) {
        return new PatchOptions(naive, maxBatchRows, value, cancelled);
    }

    public PatchOptions withCancel(BooleanSupplier value) {
        return new PatchOptions(naive, maxBatchRows, progress, value);
    }

    /** Ends the run when the caller's flag is set or the thread was interrupted (the flag stays set). */
    void checkCancel() {
        if (Thread.currentThread().isInterrupted() || cancelled.getAsBoolean()) {
            throw new java.util.concurrent.CancellationException("patching cancelled");
        }
    }
}
