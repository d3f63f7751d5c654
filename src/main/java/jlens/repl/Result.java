package jlens.repl;

import java.util.List;
import java.util.Map;

/**
 * What the last command computed, in the shape {@code save} writes: a table (CSV), a main array (NPY), and
 * everything together with the command's parameters (JSON).
 *
 * @param kind       the command family ("var", "qkt-all", "logprobs", ...)
 * @param line       the command line that made it
 * @param parameters the settings it ran with (layer, head, position, bins, pos0, ...)
 * @param table      rows for CSV, or null when the result has none
 * @param array      the main array for NPY, or null
 */
public record Result(String kind, String line, Map<String, Object> parameters, Table table, NdData array) {

    /** A table with a header row. */
    public record Table(List<String> columns, List<List<Object>> rows) {}

    /**
     * An n-dimensional array in row-major order; exactly one of {@code f32} and {@code f64} is set.
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
    }
}
