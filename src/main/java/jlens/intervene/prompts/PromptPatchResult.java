package jlens.intervene.prompts;

import java.util.List;
import jlens.analysis.AnalysisResult;
import jlens.analysis.Metric;
import jlens.analysis.NdData;
import jlens.intervene.PatchKind;

/**
 * Activation patching over a prompt set: the mean grid (from {@link #sums()}), and each prompt's clean and
 * corrupted metric as a table ({@code save X.csv}). The grid's arrays repeat what the sums give, so the JSON
 * holds both.
 *
 * @param source the set's source
 * @param kind what was patched
 * @param shape the grid's shape
 * @param normalized per cell, {@code (mean m - mean m_corrupt) / (mean m_clean - mean m_corrupt)}
 * @param raw per cell, the mean over prompts of the patched metric
 * @param mClean the mean clean metric
 * @param mCorrupt the mean corrupted metric
 * @param rows one per prompt
 * @param sums the associative reduction the grid comes from
 * @param labelIds the first prompt's token ids (the columns of a per-position grid)
 * @param metric the session's metric, used for prompts without answer and wrong tokens; null when none was
 * @param seconds wall time
 */
public record PromptPatchResult(String source, PatchKind kind, int[] shape, double[] normalized, double[] raw, double mClean,
                                double mCorrupt, List<PromptPatchRow> rows, PatchSums sums, long[] labelIds, Metric metric,
                                double seconds) implements AnalysisResult {
    public PromptPatchResult {
        rows = List.copyOf(rows);
    }

    /** The result of {@code sums} with its rows. */
    public static PromptPatchResult of(String source, PatchSums sums, List<PromptPatchRow> rows, long[] labelIds, Metric metric,
                                       double seconds) {
        return new PromptPatchResult(source, sums.kind(), sums.shape(), sums.normalized(), sums.meanRaw(), sums.clean().mean(),
                sums.corrupt().mean(), rows, sums, labelIds.clone(), metric, seconds);
    }

    public int prompts() {
        return rows.size();
    }

    /** The normalised grid as rows of the last axis, as {@link PatchResult#normalizedRows()}. */
    public double[][] normalizedRows() {
        int width = shape[shape.length - 1];
        double[][] out = new double[normalized.length / width][width];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(normalized, i * width, out[i], 0, width);
        }
        return out;
    }

    /** The normalised mean grid, as {@code save FILE.npy} writes it (the single pair's shapes). */
    @Override
    public NdData array() {
        return NdData.of(java.util.Arrays.stream(shape).asLongStream().toArray(), normalized.clone());
    }

    /** The per-prompt table: {@code save FILE.csv}. */
    @Override
    public List<String> columns() {
        return List.of("index", "line", "tokens", "metric", "m_clean", "m_corrupt");
    }

    @Override
    public int rowCount() {
        return rows.size();
    }

    @Override
    public Object[] row(int i) {
        PromptPatchRow r = rows.get(i);
        return new Object[] {r.index(), r.line(), r.tokens(), r.ownAnswer() ? "answer-wrong" : "session", r.mClean(), r.mCorrupt()};
    }
}
