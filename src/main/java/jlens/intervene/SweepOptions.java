package jlens.intervene;

import java.util.function.BooleanSupplier;

/**
 * How a sweep runs.
 *
 * @param naive one full forward pass per case with a hook on the model's registry (the test oracle) instead of
 *     the fast path
 * @param maxBatchRows the fast path's bound on cases x recomputed positions per batch. A layer step holds
 *     about {@code 160 * C} bytes per row (50 MB at the default for gpt2-large); more chunks cost one more
 *     stream of the later layers' weights each, which measured as nothing next to a grid's arithmetic
 * @param progress told after every step
 * @param cancelled polled between steps, as is the thread's interrupt flag; either ends the sweep with a
 *     {@link java.util.concurrent.CancellationException}
 */
public record SweepOptions(boolean naive, int maxBatchRows, SweepProgress progress, BooleanSupplier cancelled) {
    public static final int DEFAULT_MAX_BATCH_ROWS = 256;
    /** Patching batches more rows: its cells recompute fewer positions each than an ablation sweep's. */
    public static final int DEFAULT_PATCH_BATCH_ROWS = 512;

    public SweepOptions {
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

    public static SweepOptions defaults() {
        return new SweepOptions(false, DEFAULT_MAX_BATCH_ROWS, SweepProgress.NONE, () -> false);
    }

    /** The defaults for activation patching ({@link Patch}): {@link #DEFAULT_PATCH_BATCH_ROWS} rows a batch. */
    public static SweepOptions patching() {
        return new SweepOptions(false, DEFAULT_PATCH_BATCH_ROWS, SweepProgress.NONE, () -> false);
    }

    public SweepOptions withNaive(boolean value) {
        return new SweepOptions(value, maxBatchRows, progress, cancelled);
    }

    public SweepOptions withMaxBatchRows(int value) {
        return new SweepOptions(naive, value, progress, cancelled);
    }

    public SweepOptions withProgress(SweepProgress value) {
        return new SweepOptions(naive, maxBatchRows, value, cancelled);
    }

    public SweepOptions withCancel(BooleanSupplier value) {
        return new SweepOptions(naive, maxBatchRows, progress, value);
    }

    /** Ends the run when the caller's flag is set or the thread was interrupted (the flag stays set). */
    public void checkCancel() {
        if (Thread.currentThread().isInterrupted() || cancelled.getAsBoolean()) {
            throw new java.util.concurrent.CancellationException("cancelled");
        }
    }
}
