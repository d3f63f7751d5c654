package jlens.analysis;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** Mean and spread of each position's logits: a quick health check of a forward pass. */
public final class LogitStats {
    private LogitStats() {}

    /** @param logits a pass's logits {@code [1, T, V]} */
    public static ByPosition perPosition(NDArray logits) {
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
        return new ByPosition(mean, std);
    }

    /** Per position, the mean and unbiased standard deviation of the logits over the vocabulary. */
    public record ByPosition(double[] mean, double[] std) implements AnalysisResult {
        public int tokens() {
            return mean.length;
        }

        @Override
        public List<String> columns() {
            return List.of("position", "mean", "std");
        }

        @Override
        public int rowCount() {
            return mean.length;
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {i, mean[i], std[i]};
        }
    }
}
