package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Which values of a batch window a fast path's hook keeps. The activation is a batch of rows over the window's
 * positions; rows {@code first..first+n-1} joined at this layer and each has one slice replaced: a head's values
 * at {@code hook_z}, else all {@code C} values, at one position or at every position of the window. Patching
 * replaces them with the clean run's values, ablation with zeros or means, both as
 * {@code where(keep, activation, replacement)}: an overwrite, as the naive loops do, also over NaN or infinite
 * values (a product with a 0/1 mask would keep a NaN: {@code NaN * 0} is NaN).
 */
final class KeepMask {
    private KeepMask() {}

    /**
     * @param activation {@code [B, W, NH, HS]} at {@code hook_z}, else {@code [B, W, C]}
     * @param first the batch row of the first replaced slice
     * @param windowStart the text position of the window's first column
     * @param positions per replaced row, its text position, or -1 for every position of the window
     * @param heads per replaced row, its head (read at {@code hook_z} only)
     * @return a boolean mask in the activation's manager, broadcast to its shape (a view): false where replaced
     */
    static NDArray over(NDArray activation, int first, int windowStart, int[] positions, int[] heads) {
        Shape s = activation.getShape();
        boolean perHead = s.dimension() == 4;
        long b = s.get(0);
        long w = s.get(1);
        long nHeads = perHead ? s.get(2) : 1;
        boolean[] keep = new boolean[Math.toIntExact(b * w * nHeads)];
        Arrays.fill(keep, true);
        for (int i = 0; i < positions.length; i++) {
            long row = first + i;
            long from = positions[i] < 0 ? 0 : positions[i] - windowStart;
            long to = positions[i] < 0 ? w : from + 1;
            for (long pos = from; pos < to; pos++) {
                keep[Math.toIntExact((row * w + pos) * nHeads + (perHead ? heads[i] : 0))] = false;
            }
        }
        Shape maskShape = perHead ? new Shape(b, w, nHeads, 1) : new Shape(b, w, 1);
        return activation.getManager().create(keep, maskShape).broadcast(s); // [B, W, NH, HS] or [B, W, C]
    }
}
