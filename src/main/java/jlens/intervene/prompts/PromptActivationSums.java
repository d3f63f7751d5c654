package jlens.intervene.prompts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import jlens.hook.HookPoint;
import jlens.intervene.generation.GenerationIntervention;

/**
 * Sums of one hook point's activation over a prompt set, by position counted from each prompt's first token, and
 * how many prompts reached each position: the mean at position p is {@code sums[p] / counts[p]}. Kept as sums
 * and counts (not as a list of activations) so parts of a set combine with {@link #plus}, associatively.
 *
 * @param hookName the exact hook name (a {@code [B, T, ...]} point)
 * @param shape one position's shape, such as {@code [NH, HS]} for {@code hook_z} or {@code [C]} for the residual
 * @param sums {@code [positions * prod(shape)]}, row-major by position
 * @param counts {@code [positions]}
 */
public record PromptActivationSums(String hookName, long[] shape, double[] sums, long[] counts) {
    public PromptActivationSums {
        shape = shape.clone();
        sums = sums.clone();
        counts = counts.clone();
        requireBatchThenPosition(hookName);
        if (sums.length != counts.length * width(shape)) {
            throw new IllegalArgumentException("sums of " + sums.length + " values do not match " + counts.length
                    + " positions of shape " + Arrays.toString(shape));
        }
    }

    /**
     * Refuses a hook point that is not laid out {@code [B, T, ...]} (attention scores and pattern are
     * {@code [B, NH, T, T]}): sums by position there would run along the heads.
     */
    static void requireBatchThenPosition(String hookName) {
        if (!HookPoint.batchThenPosition(hookName)) {
            throw new IllegalArgumentException("a mean over the set is taken by position at hook points laid out [B, T, ...]; "
                    + hookName + " is [B, NH, T, T] (heads before positions, then keys): use hook_z or hook_attn_out instead");
        }
    }

    static int width(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    public static PromptActivationSums empty(String hookName, long[] shape) {
        return new PromptActivationSums(hookName, shape, new double[0], new long[0]);
    }

    public int positions() {
        return counts.length;
    }

    /** The sums and counts of both parts (the longer one's positions; the shorter adds nothing beyond its own). */
    public PromptActivationSums plus(PromptActivationSums other) {
        if (!hookName.equals(other.hookName) || !Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException("cannot add sums of " + other.hookName + " " + Arrays.toString(other.shape)
                    + " to sums of " + hookName + " " + Arrays.toString(shape));
        }
        int n = Math.max(positions(), other.positions());
        int w = width(shape);
        double[] s = Arrays.copyOf(sums, n * w);
        long[] c = Arrays.copyOf(counts, n);
        for (int i = 0; i < other.sums.length; i++) {
            s[i] += other.sums[i];
        }
        for (int p = 0; p < other.counts.length; p++) {
            c[p] += other.counts[p];
        }
        return new PromptActivationSums(hookName, shape, s, c);
    }

    /** The mean activation at each position, {@code [positions * prod(shape)]}. */
    public double[] mean() {
        int w = width(shape);
        double[] out = new double[sums.length];
        for (int p = 0; p < counts.length; p++) {
            for (int i = 0; i < w; i++) {
                out[p * w + i] = sums[p * w + i] / counts[p];
            }
        }
        return out;
    }

    /**
     * Mean ablation: an intervention that replaces this hook point's activation by its mean over the set, position
     * by position (a prompt's position p gets the set's mean at p); at {@code hook_z} with {@code head} >= 0 only
     * that head's slice, else the whole activation; at {@code position} only (absolute, from 0), or at every
     * position with {@link GenerationIntervention#ALL_POSITIONS}.
     */
    public GenerationIntervention ablation(int head, int position) {
        int w = width(shape);
        double[] mean = mean();
        return new GenerationIntervention(hookName, (name, a, start) -> {
            Shape s = a.getShape(); // [B, T, shape...]
            if (s.dimension() != shape.length + 2
                    || !Arrays.equals(Arrays.copyOfRange(s.getShape(), 2, s.dimension()), shape)) {
                throw new IllegalArgumentException("the mean of " + hookName + " is [positions, " + Arrays.toString(shape)
                        .replaceAll("[\\[\\]]", "") + "] but the activation here is " + s + "; use it at the hook it was taken at");
            }
            int t = (int) s.get(1);
            int nh = head >= 0 ? (int) s.get(2) : 1;
            if (head >= 0 && (s.dimension() != 4 || head >= nh)) {
                throw new IllegalArgumentException("head " + head + " needs a per-head hook point (hook_z, q, k, v) with that head");
            }
            float[] values = new float[t * w]; // [1, T, shape...]: the set's mean where it goes in
            float[] where = new float[t * nh]; // [1, T, NH or 1, 1...]: 1 where the mean goes in
            boolean any = false;
            for (int p = 0; p < t; p++) {
                int pos = start + p;
                if (position != GenerationIntervention.ALL_POSITIONS && pos != position) {
                    continue;
                }
                if (pos >= positions()) {
                    throw new IllegalArgumentException("the mean of " + hookName + " over the set covers positions 0.."
                            + (positions() - 1) + "; position " + pos + " is past the end of every prompt in it");
                }
                for (int i = 0; i < w; i++) {
                    values[p * w + i] = (float) mean[pos * w + i];
                }
                where[p * nh + Math.max(head, 0)] = 1f;
                any = true;
            }
            if (!any) {
                return null; // none of this pass's positions is ablated
            }
            long[] valueDims = new long[s.dimension()];
            valueDims[0] = 1;
            valueDims[1] = t;
            System.arraycopy(shape, 0, valueDims, 2, shape.length);
            long[] maskDims = new long[s.dimension()];
            Arrays.fill(maskDims, 1);
            maskDims[1] = t;
            maskDims[2] = head >= 0 ? nh : 1;
            NDManager m = a.getManager();
            NDArray v = m.create(values, new Shape(valueDims)).toType(a.getDataType(), false); // [1, T, shape...]
            NDArray in = m.create(where, new Shape(maskDims)).toType(a.getDataType(), false); // [1, T, NH or 1, 1...]
            NDArray out = m.create(1f).toType(a.getDataType(), false).sub(in); // 1 where the activation stays
            return a.mul(out).add(v.mul(in)); // [B, T, shape...]
        });
    }
}
