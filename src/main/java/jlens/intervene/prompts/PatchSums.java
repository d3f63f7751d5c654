package jlens.intervene.prompts;

import java.util.Arrays;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchResult;

/**
 * The associative part of activation patching over a prompt set: per cell the sum over prompts of the raw patched
 * metric, and the clean and corrupted metrics as {@link PromptMean}s (their counts are the prompts). The set's
 * grid is TransformerLens/ARENA's IOI convention: the mean over prompts of each cell's raw metric, normalised
 * with the set's mean clean and mean corrupted metric, {@code (mean m - mean m_corrupt) / (mean m_clean -
 * mean m_corrupt)}. Kept as sums and counts, so the results of parts of a set combine with {@link #plus}
 * (associative and commutative, {@link #empty} its identity) into the result of the whole.
 *
 * @param kind what was patched
 * @param shape the grid's shape ({@code [L, T]}, {@code [L, H]} or {@code [L, H, T]})
 * @param rawSums per cell, in the grid's row-major order, the sum over prompts of the patched metric
 * @param clean the prompts' clean metrics
 * @param corrupt the prompts' corrupted metrics
 * @param computed cells run, over all prompts (the others provably equal their corrupted run)
 */
public record PatchSums(PatchKind kind, int[] shape, double[] rawSums, PromptMean clean, PromptMean corrupt, long computed) {
    public PatchSums {
        shape = shape.clone();
        rawSums = rawSums.clone();
        if (rawSums.length != cells(shape)) {
            throw new IllegalArgumentException("sums of " + rawSums.length + " cells do not fill a grid of shape "
                    + Arrays.toString(shape));
        }
        if (clean.count() != corrupt.count()) {
            throw new IllegalArgumentException("clean metrics of " + clean.count() + " prompts but corrupted ones of "
                    + corrupt.count());
        }
    }

    /** Nothing summed yet: the identity of {@link #plus} for a grid of {@code shape}. */
    public static PatchSums empty(PatchKind kind, int[] shape) {
        return new PatchSums(kind, shape, new double[cells(shape)], PromptMean.EMPTY, PromptMean.EMPTY, 0);
    }

    /** One prompt's patching grid as sums. */
    public static PatchSums of(PatchResult r) {
        return new PatchSums(r.spec().kind(), r.shape(), r.raw(), PromptMean.of(r.mClean()), PromptMean.of(r.mCorrupt()),
                r.computed());
    }

    /** Both parts' sums; the same kind and grid shape (per-position grids: prompts of one length). */
    public PatchSums plus(PatchSums other) {
        if (kind != other.kind || !Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException("cannot add patching sums of " + other.kind.word() + " " + Arrays.toString(other.shape)
                    + " to sums of " + kind.word() + " " + Arrays.toString(shape));
        }
        double[] s = rawSums.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] += other.rawSums[i];
        }
        return new PatchSums(kind, shape, s, clean.plus(other.clean), corrupt.plus(other.corrupt), computed + other.computed);
    }

    /** How many prompts were summed. */
    public long prompts() {
        return clean.count();
    }

    /** Per cell, the mean over prompts of the patched metric (NaN for no prompts). */
    public double[] meanRaw() {
        double[] out = new double[rawSums.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = prompts() == 0 ? Double.NaN : rawSums[i] / prompts();
        }
        return out;
    }

    /** Per cell, {@code (mean m - mean m_corrupt) / (mean m_clean - mean m_corrupt)}: NaN where the means are equal. */
    public double[] normalized() {
        double[] raw = meanRaw();
        double[] out = new double[raw.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = PatchResult.normalize(raw[i], clean.mean(), corrupt.mean());
        }
        return out;
    }

    private static int cells(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }
}
