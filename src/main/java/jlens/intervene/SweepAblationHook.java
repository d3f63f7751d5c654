package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.function.Function;
import jlens.hook.Hook;

/**
 * The fast path's ablation at one layer: batch rows {@code first..first+n-1} are the cases joining at this
 * layer; each gets its slice replaced. Written as {@code where(keep, a, values)} with one {@link KeepMask} for
 * the whole batch: exactly the naive loop's overwrite, also where the activation is NaN or infinite.
 */
final class SweepAblationHook implements Hook {
    private final int first;
    private final int windowStart;
    private final int[] positions; // per joining case
    private final int[] heads;
    private final Function<NDManager, NDArray> values; // [1, W, NH, HS] or [1, W, C]; null for zeros

    /**
     * @param values the replacement values, made in the given manager when the hook runs: a mean of the clean run's activation
     *     at this layer may only exist by then (its recorder runs earlier at the same hook point)
     */
    SweepAblationHook(List<AblationCase> cases, int first, int windowStart, Function<NDManager, NDArray> values) {
        this.first = first;
        this.windowStart = windowStart;
        this.positions = cases.stream().mapToInt(AblationCase::position).toArray();
        this.heads = cases.stream().mapToInt(AblationCase::head).toArray();
        this.values = values;
    }

    @Override
    public NDArray apply(String name, NDArray activation) {
        // activation: [B, W, NH, HS] at hook_z, else [B, W, C]
        NDArray keep = KeepMask.over(activation, first, windowStart, positions, heads);
        NDManager m = activation.getManager();
        NDArray replacement = values.apply(m); // [1, W, ...] or null
        if (replacement == null) {
            replacement = m.zeros(new Shape(1), activation.getDataType());
        }
        return NDArrays.where(keep, activation, replacement.broadcast(activation.getShape())); // [B, W, ...]
    }
}
