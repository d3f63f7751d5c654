package jlens.analysis;

import java.util.List;

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

    /** How many of {@code values} are NaN or infinite. */
    public static long nonFinite(float[] values) {
        long n = 0;
        for (float x : values) {
            n += Float.isFinite(x) ? 0 : 1;
        }
        return n;
    }

    /**
     * {@code "Q: 480 of 480"} for each named part with NaN or infinite values, joined by {@code "; "}; empty when all
     * are finite: the {@link AnalysisResult#undefinedNote()} of results that hold activations as they are.
     */
    static String nonFiniteNote(List<String> names, List<float[]> parts) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            long bad = nonFinite(parts.get(i));
            if (bad > 0) {
                out.add(names.get(i) + ": " + bad + " of " + parts.get(i).length + " NaN or infinite");
            }
        }
        return String.join("; ", out);
    }

    private static void requireValues(int n) {
        if (n == 0) {
            throw new IllegalArgumentException("no values: statistics need at least one");
        }
    }
}
