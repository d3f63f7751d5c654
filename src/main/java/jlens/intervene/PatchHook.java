package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import java.util.List;
import jlens.hook.Hook;

/**
 * The fast path's patch at one layer: batch rows {@code first..first+n-1} are the cells joining at this layer, and
 * each gets its slice of the activation replaced by the clean run's. Written as {@code where(keep, a, clean)} with
 * one {@link KeepMask} for the whole batch: exactly the naive loop's overwrite, also where either run's activation
 * is NaN or infinite.
 */
final class PatchHook implements Hook {
    private final int first;
    private final int windowStart;
    private final int[] positions; // per joining cell; -1: every position of the window
    private final int[] heads;
    private final NDArray clean; // [1, W, NH, HS] or [1, W, C]: the clean activation over the window

    PatchHook(List<PatchCell> cells, int first, int windowStart, NDArray clean) {
        this.first = first;
        this.windowStart = windowStart;
        this.positions = cells.stream().mapToInt(PatchCell::position).toArray();
        this.heads = cells.stream().mapToInt(PatchCell::head).toArray();
        this.clean = clean;
    }

    @Override
    public NDArray apply(String name, NDArray activation) {
        // activation: [B, W, NH, HS] at hook_z, else [B, W, C]
        NDArray keep = KeepMask.over(activation, first, windowStart, positions, heads);
        NDArray replacement = clean.reshape(clean.getShape()); // a handle in the pass's manager
        replacement.attach(activation.getManager());
        return NDArrays.where(keep, activation, replacement.broadcast(activation.getShape())); // [B, W, ...]
    }
}
