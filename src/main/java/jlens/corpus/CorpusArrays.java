package jlens.corpus;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** Small steps the reductions share: arrays to Java, and a pass's activation viewed in a scope of its own. */
final class CorpusArrays {
    private CorpusArrays() {}

    /** The values as float32, row-major. */
    static float[] floats(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /**
     * A view of {@code a} in {@code scope}: what is computed from it lands in the scope, freed when the hook ends, not
     * in the pass's manager (a layer's attention temporaries are B x NH x T x T floats each).
     */
    static NDArray in(NDArray a, NDManager scope) {
        NDArray view = a.reshape(a.getShape());
        view.attach(scope);
        return view;
    }

    /** {@code s} shares its first dimensions' product: rows of {@code width}. */
    static long width(long[] shape, int from) {
        long n = 1;
        for (int i = from; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    static double[] add(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cannot add sums of " + b.length + " values to sums of " + a.length);
        }
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += b[i];
        }
        return out;
    }

    static long[] add(long[] a, long[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cannot add counts of " + b.length + " values to counts of " + a.length);
        }
        long[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += b[i];
        }
        return out;
    }
}
