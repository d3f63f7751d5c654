package jlens.analysis;

/**
 * An n-dimensional array in row-major order, as a result's main array is saved (NPY); exactly one of {@code f32}
 * and {@code f64} is set.
 *
 * @param shape the dimensions
 * @param f32   the values as floats, or null
 * @param f64   the values as doubles, or null
 */
public record NdData(long[] shape, float[] f32, double[] f64) {
    public static NdData of(long[] shape, float[] data) {
        return new NdData(shape, data, null);
    }

    public static NdData of(long[] shape, double[] data) {
        return new NdData(shape, null, data);
    }

    public int length() {
        return f32 != null ? f32.length : f64.length;
    }

    /** A vector: {@code [values.length]}. */
    public static NdData vector(double[] values) {
        return of(new long[] {values.length}, values);
    }

    /** Rows of equal length laid end to end: {@code [rows.length, rows[0].length]}. */
    public static NdData rows(double[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        double[] flat = new double[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * width, width);
        }
        return of(new long[] {rows.length, width}, flat);
    }

    /** Float blocks of equal length laid end to end: {@code [blocks.length, inner...]}. */
    static NdData stack(long[] inner, float[]... blocks) {
        int size = blocks.length == 0 ? 0 : blocks[0].length;
        float[] flat = new float[blocks.length * size];
        for (int b = 0; b < blocks.length; b++) {
            System.arraycopy(blocks[b], 0, flat, b * size, size);
        }
        long[] shape = new long[inner.length + 1];
        shape[0] = blocks.length;
        System.arraycopy(inner, 0, shape, 1, inner.length);
        return of(shape, flat);
    }
}
