package jlens.analysis;

/**
 * Mean, unbiased variance and unbiased standard deviation (divisor n - 1, as {@code torch.var} and
 * {@code np.var(ddof=1)}), accumulated in double with two passes so that a million float activations with a large
 * mean lose no precision.
 */
public final class Stats {
    private Stats() {}

    public static double mean(float[] values) {
        requireValues(values.length);
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    public static double mean(double[] values) {
        requireValues(values.length);
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** Unbiased variance; NaN for a single value, as numpy gives with {@code ddof=1}. */
    public static double variance(float[] values) {
        double mean = mean(values);
        double squares = 0;
        for (float v : values) {
            double d = v - mean;
            squares += d * d;
        }
        return squares / (values.length - 1);
    }

    /** Unbiased variance; NaN for a single value, as numpy gives with {@code ddof=1}. */
    public static double variance(double[] values) {
        double mean = mean(values);
        double squares = 0;
        for (double v : values) {
            double d = v - mean;
            squares += d * d;
        }
        return squares / (values.length - 1);
    }

    public static double std(float[] values) {
        return Math.sqrt(variance(values));
    }

    public static double std(double[] values) {
        return Math.sqrt(variance(values));
    }

    private static void requireValues(int n) {
        if (n == 0) {
            throw new IllegalArgumentException("no values: statistics need at least one");
        }
    }
}
