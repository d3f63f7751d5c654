package jlens.intervene.prompts;

import java.util.Arrays;
import jlens.hook.HookPoint;
import jlens.intervene.Cells;
import jlens.intervene.Intervention;
import jlens.intervene.Value;

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
     * by position (a prompt's position p gets the set's mean at p); with {@code head} >= 0 only that head's slice
     * (a per-head hook point), else the whole activation; at {@code position} only (absolute, from 0), or at every
     * position with -1 (then a pass past the set's longest prompt is refused when it gets there).
     */
    public Intervention ablation(int head, int position) {
        int w = width(shape);
        double[] mean = mean();
        float[][] rows = new float[positions()][w];
        for (int p = 0; p < rows.length; p++) {
            for (int i = 0; i < w; i++) {
                rows[p][i] = (float) mean[p * w + i];
            }
        }
        if (rows.length == 0) {
            throw new IllegalArgumentException("the mean of " + hookName + " has no positions: the set was empty");
        }
        return new Intervention(hookName, Cells.of(head, position), new Value.Put(Value.Table.byPosition(rows),
                "its mean over the prompt set"));
    }
}
