package jlens.intervene.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import jlens.hook.HookPoint;

/**
 * A change applied at every step of a generation (and, with {@code start} 0, in any full pass): a
 * {@link GenerationHook} at one hook point.
 *
 * @param hookName an exact or short hook name ({@code blocks.9.attn.hook_z}, {@code z9})
 */
public record GenerationIntervention(String hookName, GenerationHook hook) {
    /** Every position, in {@link #zeroHead}. */
    public static final int ALL_POSITIONS = -1;

    /**
     * Zeros head {@code head}'s output ({@code hook_z}, {@code [B, T, NH, HS]}) in layer {@code layer} at sequence
     * position {@code position} (absolute, from 0), or at every position with {@link #ALL_POSITIONS}: at a
     * cached step the new position is zeroed only if it is that position.
     */
    public static GenerationIntervention zeroHead(int layer, int head, int position) {
        if (head < 0 || layer < 0 || position < ALL_POSITIONS) {
            throw new IllegalArgumentException("a head, a layer and a position count from 0 here (resolve negative ones first)");
        }
        return new GenerationIntervention(HookPoint.block(layer, HookPoint.Z), (name, z, start) -> {
            Shape s = z.getShape(); // [B, T, NH, HS]
            long t = s.get(1);
            long nh = s.get(2);
            if (head >= nh) {
                throw new IllegalArgumentException("head " + head + " does not exist: the model has heads 0.." + (nh - 1));
            }
            if (position != ALL_POSITIONS && (position < start || position >= start + t)) {
                return null; // not among this pass's positions
            }
            float[] keep = new float[(int) (t * nh)]; // [1, T, NH, 1]: 0 where zeroed, else 1
            java.util.Arrays.fill(keep, 1f);
            for (long p = 0; p < t; p++) {
                if (position == ALL_POSITIONS || p == position - start) {
                    keep[(int) (p * nh + head)] = 0f;
                }
            }
            NDArray mask = z.getManager().create(keep, new Shape(1, t, nh, 1)).toType(z.getDataType(), false); // [1, T, NH, 1]
            return z.mul(mask); // [B, T, NH, HS]
        });
    }
}
