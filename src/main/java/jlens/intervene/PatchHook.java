package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import jlens.hook.Hook;

/**
 * The fast path's patch at one layer: batch rows {@code first..first+n-1} are the cells joining at this layer, and
 * each gets its slice of the activation replaced by the clean run's. Written as {@code a * keep + (1 - keep) * clean}
 * with a 0/1 mask, one op for the whole batch; with finite activations that is exactly the naive loop's overwrite.
 */
final class PatchHook implements Hook {
    private final List<PatchCell> cells;
    private final int first;
    private final int windowStart;
    private final NDArray clean; // [1, W, NH, HS] or [1, W, C]: the clean activation over the window

    PatchHook(List<PatchCell> cells, int first, int windowStart, NDArray clean) {
        this.cells = cells;
        this.first = first;
        this.windowStart = windowStart;
        this.clean = clean;
    }

    @Override
    public NDArray apply(String name, NDArray activation) {
        // activation: [B, W, NH, HS] at hook_z, else [B, W, C]
        Shape s = activation.getShape();
        boolean perHead = s.dimension() == 4;
        long b = s.get(0);
        long w = s.get(1);
        long heads = perHead ? s.get(2) : 1;
        float[] keep = new float[Math.toIntExact(b * w * heads)];
        Arrays.fill(keep, 1f);
        for (int i = 0; i < cells.size(); i++) {
            PatchCell c = cells.get(i);
            long row = first + i;
            long from = c.position() < 0 ? 0 : c.position() - windowStart;
            long to = c.position() < 0 ? w : from + 1;
            for (long pos = from; pos < to; pos++) {
                keep[Math.toIntExact((row * w + pos) * heads + (perHead ? c.head() : 0))] = 0f;
            }
        }
        Shape maskShape = perHead ? new Shape(b, w, heads, 1) : new Shape(b, w, 1);
        NDArray mask = activation.getManager().create(keep, maskShape).toType(activation.getDataType(), false);
        NDArray replacement = clean.reshape(clean.getShape()); // a handle in the pass's manager
        replacement.attach(activation.getManager());
        return activation.mul(mask).addi(mask.neg().addi(1f).mul(replacement)); // [B, W, ...]
    }
}
