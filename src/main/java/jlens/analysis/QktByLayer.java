package jlens.analysis;

import java.util.List;

/**
 * The notebook's QK^T (see {@link QktMatrix}) summarised per layer (demo 2 steps 3-4): mean and unbiased std of
 * the matrix, and density histograms of its values and of its row softmax, each over that layer's own range.
 */
public record QktByLayer(int firstPosition, int size, int dHead, int bins, double[] mean, double[] std,
        List<Histogram> scoreHistograms, List<Histogram> softmaxHistograms) implements AnalysisResult {

    public QktByLayer {
        scoreHistograms = List.copyOf(scoreHistograms);
        softmaxHistograms = List.copyOf(softmaxHistograms);
    }

    public int layers() {
        return mean.length;
    }

    @Override
    public List<String> columns() {
        return List.of("layer", "mean", "std");
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
