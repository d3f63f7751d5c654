package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import jlens.hook.Hook;

/**
 * The fast path's ablation at one layer: batch rows {@code first..first+n-1} are the cases joining at this
 * layer; each gets its slice replaced. Written as {@code where(keep, a, values)} with a boolean mask, one op for
 * the whole batch: exactly the naive loop's overwrite, also where the activation is NaN or infinite (a product
 * with a 0/1 mask would keep a NaN: {@code NaN * 0} is NaN).
 */
final class SweepAblationHook implements Hook {
    private final List<AblationCase> cases;
    private final int first;
    private final int windowStart;
    private final Function<NDManager, NDArray> values; // [1, W, NH, HS] or [1, W, C]; null for zeros

    /**
     * @param values the replacement values, made in the given manager when the hook runs: a mean of the clean run's activation
     *     at this layer may only exist by then (its recorder runs earlier at the same hook point)
     */
    SweepAblationHook(List<AblationCase> cases, int first, int windowStart, Function<NDManager, NDArray> values) {
        this.cases = cases;
        this.first = first;
        this.windowStart = windowStart;
        this.values = values;
    }

    @Override
    public NDArray apply(String name, NDArray activation) {
        // activation: [B, W, NH, HS] at hook_z, else [B, W, C]
        Shape s = activation.getShape();
        boolean perHead = s.dimension() == 4;
        long b = s.get(0);
        long w = s.get(1);
        long heads = perHead ? s.get(2) : 1;
        boolean[] keep = new boolean[Math.toIntExact(b * w * heads)];
        Arrays.fill(keep, true);
        for (int i = 0; i < cases.size(); i++) {
            AblationCase c = cases.get(i);
            long row = first + i;
            long pos = c.position() - windowStart;
            keep[Math.toIntExact((row * w + pos) * heads + (perHead ? c.head() : 0))] = false;
        }
        Shape maskShape = perHead ? new Shape(b, w, heads, 1) : new Shape(b, w, 1);
        NDManager m = activation.getManager();
        NDArray mask = m.create(keep, maskShape).broadcast(s); // [B, W, NH, HS] or [B, W, C], a view
        NDArray replacement = values.apply(m); // [1, W, ...] or null
        if (replacement == null) {
            replacement = m.zeros(new Shape(1), activation.getDataType());
        }
        return NDArrays.where(mask, activation, replacement.broadcast(s)); // [B, W, ...]
    }
}
