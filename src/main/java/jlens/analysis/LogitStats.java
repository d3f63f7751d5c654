package jlens.analysis;

import ai.djl.ndarray.NDArray;

/** Mean and spread of each position's logits: a quick health check of a forward pass. */
public final class LogitStats {
    private LogitStats() {}

    /** @param logits a pass's logits {@code [1, T, V]} */
    public static LogitStatsByPosition perPosition(NDArray logits) {
        Tensors.requireSingleSequence(logits, 3, "logits");
        int t = (int) logits.getShape().get(1);
        double[] mean = new double[t];
        double[] std = new double[t];
        for (int p = 0; p < t; p++) {
            // One row at a time: the whole [T, V] of gpt2 at 1024 tokens would be a 200 MB Java array.
            try (NDArray row = logits.get(0, p)) { // [V]
                float[] values = Tensors.floats(row);
                mean[p] = Stats.mean(values);
                std[p] = Stats.std(values);
            }
        }
        return new LogitStatsByPosition(mean, std);
    }
}
