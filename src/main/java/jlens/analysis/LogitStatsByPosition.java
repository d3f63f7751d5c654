package jlens.analysis;

import java.util.List;

/** Per position, the mean and unbiased standard deviation of the logits over the vocabulary. */
public record LogitStatsByPosition(double[] mean, double[] std) implements AnalysisResult {
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
