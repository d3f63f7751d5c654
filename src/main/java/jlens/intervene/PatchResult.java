package jlens.intervene;

import java.util.ArrayList;
import java.util.List;
import jlens.analysis.AnalysisResult;
import jlens.analysis.NdData;

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
 * @param method how it was computed (exactly, or estimated from gradients)
 * @param computed how many cells were run (all of them for an estimate); the others provably equal the corrupted run (the patched value is
 *     bit-identical to the corrupted one, or comes after the metric's position)
 * @param seconds wall time, both reference runs included
 */
public record PatchResult(PatchSpec spec, int[] shape, double[] raw, double[] normalized, double mClean,
                          double mCorrupt, PatchMethod method, int computed, double seconds) implements AnalysisResult {

    /** A grid from its raw cells: normalised with the two runs' metrics, shaped as the spec's kind says. */
    static PatchResult of(jlens.model.Gpt2Config config, PatchSpec spec, double[] raw, double mClean, double mCorrupt,
                          PatchMethod method, int computed, double seconds) {
        double[] normalized = new double[raw.length];
        for (int i = 0; i < raw.length; i++) {
            normalized[i] = normalize(raw[i], mClean, mCorrupt);
        }
        int[] shape = spec.kind().shape(config.nLayer(), config.nHead(), spec.tokens());
        return new PatchResult(spec, shape, raw, normalized, mClean, mCorrupt, method, computed, seconds);
    }

    /** The normalised grid ({@code [L, T]}, {@code [L, H]} or {@code [L, H, T]}), as {@code save FILE.npy} writes it. */
    @Override
    public NdData array() {
        return NdData.of(java.util.Arrays.stream(shape).asLongStream().toArray(), normalized.clone());
    }

    /** The largest |raw - mClean| over the cells: 0 for the text patched into itself (patching's conservation check). */
    public double maxAbsFromClean() {
        double max = 0;
        for (double v : raw) {
            max = Math.max(max, Math.abs(v - mClean));
        }
        return max;
    }

    /** Whether the naive loop computed it. */
    public boolean naive() {
        return method == PatchMethod.NAIVE;
    }

    /**
     * Pearson correlation of this grid's normalised values with another's of the same shape (an estimate against
     * the exact grid); NaN when either is constant.
     */
    public double correlation(PatchResult other) {
        if (!java.util.Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException("grids of shapes " + java.util.Arrays.toString(shape) + " and "
                    + java.util.Arrays.toString(other.shape) + " do not compare");
        }
        return pearson(raw, other.raw);
    }

    /** Pearson correlation of two series of one length; NaN when either is constant. */
    static double pearson(double[] a, double[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }

    public static double normalize(double m, double clean, double corrupt) {
        return undefined(clean, corrupt) ? Double.NaN : (m - corrupt) / (clean - corrupt);
    }

    /**
     * Whether no grid can be normalised with these metrics: either is NaN or infinite (the runs' logits are not
     * finite), or they are the same ({@link #sameMetric}). The normalised values are then NaN, and said so.
     */
    public static boolean undefined(double clean, double corrupt) {
        return !Double.isFinite(clean) || !Double.isFinite(corrupt) || sameMetric(clean, corrupt);
    }

    /**
     * Whether a clean and a corrupted metric are the same up to float rounding (a millionth of the clean metric,
     * at least 1e-6), so that dividing by their difference would only magnify rounding: the normalised grid is
     * then not defined. A prompt set's means can differ by 1e-7 where every prompt's two metrics are equal, and
     * (m - m_corrupt) / 2e-7 drew noise as values near 1.
     */
    public static boolean sameMetric(double clean, double corrupt) {
        return Math.abs(clean - corrupt) < 1e-6 * Math.max(1, Math.abs(clean));
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
