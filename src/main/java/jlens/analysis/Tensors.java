package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Copies NDArrays out to Java arrays; the only way values leave the native side in this package. */
final class Tensors {
    private Tensors() {}

    /** The values of {@code a} in row-major order, as float32 whatever the model's dtype. */
    static float[] floats(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        // float16/bfloat16 models: widen a temporary copy, freed here rather than left in the cache's manager
        try (NDArray wide = a.toType(DataType.FLOAT32, true)) {
            return wide.toFloatArray();
        }
    }

    /** Checks that a captured activation is one sequence ({@code [1, ...]}) of the rank its hook point has. */
    static void requireSingleSequence(NDArray a, int rank, String name) {
        long[] shape = a.getShape().getShape();
        if (shape.length != rank || shape[0] != 1) {
            throw new IllegalArgumentException(name + " has shape " + a.getShape() + "; expected one sequence of rank "
                    + rank + " (batch 1)");
        }
    }
}
