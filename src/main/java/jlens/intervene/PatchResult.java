package jlens.intervene;

import java.util.ArrayList;
import java.util.List;
import jlens.analysis.AnalysisResult;

/**
 * An activation-patching grid. Cell values are flat in row-major order of {@code shape}: [L, T] for
 * resid_pre/attn_out/mlp_out, [L, H] for heads, [L, H, T] for heads by position.
 *
 * @param spec what was patched and measured
 * @param shape the grid's shape
 * @param raw per cell, the metric of the corrupted run with that cell patched
 * @param normalized per cell, {@code (raw - mCorrupt) / (mClean - mCorrupt)}: 0 = no effect, 1 = fully restores the
 *     clean metric (NaN when the two runs' metrics are equal)
 * @param mClean the metric of the clean run
 * @param mCorrupt the metric of the corrupted run
 * @param naive whether the naive loop computed it
 * @param computed how many cells were run; the others provably equal the corrupted run (the patched value is
 *     bit-identical to the corrupted one, or comes after the metric's position)
 * @param seconds wall time, both reference runs included
 */
public record PatchResult(PatchSpec spec, int[] shape, double[] raw, double[] normalized, double mClean,
                          double mCorrupt, boolean naive, int computed, double seconds) implements AnalysisResult {

    static double normalize(double m, double clean, double corrupt) {
        return (m - corrupt) / (clean - corrupt);
    }

    /** The normalised value at {@code [layer, column]} of a 2-D grid. */
    public double normalized(int layer, int column) {
        return normalized[layer * shape[1] + column];
    }

    /** The raw metric at {@code [layer, column]} of a 2-D grid. */
    public double raw(int layer, int column) {
        return raw[layer * shape[1] + column];
    }

    /** The normalised grid as rows of the last axis: [L][T], [L][H], or [L*H][T] (layer-major) for heads by position. */
    public double[][] normalizedRows() {
        return rows(normalized);
    }

    public double[][] rawRows() {
        return rows(raw);
    }

    private double[][] rows(double[] values) {
        int width = shape[shape.length - 1];
        double[][] out = new double[values.length / width][width];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(values, i * width, out[i], 0, width);
        }
        return out;
    }

    @Override
    public List<String> columns() {
        List<String> out = new ArrayList<>(List.of("layer"));
        if (spec.kind().perHead()) {
            out.add("head");
        }
        if (!spec.kind().allPositions()) {
            out.add("position");
        }
        out.add("normalized");
        out.add("raw");
        return out;
    }

    @Override
    public int rowCount() {
        return raw.length;
    }

    @Override
    public Object[] row(int i) {
        List<Object> out = new ArrayList<>(5);
        int rest = i;
        int[] index = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = rest % shape[d];
            rest /= shape[d];
        }
        for (int d : index) {
            out.add(d);
        }
        out.add(normalized[i]);
        out.add(raw[i]);
        return out.toArray();
    }
}
