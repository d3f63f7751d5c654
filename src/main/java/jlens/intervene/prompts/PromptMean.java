package jlens.intervene.prompts;

/**
 * A mean kept as its sufficient statistics (count, sum, sum of squares), so that means over parts of a prompt
 * set combine exactly into the mean over the whole: {@link #plus} is associative and commutative, and
 * {@link #EMPTY} is its identity. This is what lets a set be split across machines and reduced.
 */
public record PromptMean(long count, double sum, double sumSquares) {
    public static final PromptMean EMPTY = new PromptMean(0, 0, 0);

    public static PromptMean of(double value) {
        return new PromptMean(1, value, value * value);
    }

    public PromptMean plus(PromptMean other) {
        return new PromptMean(count + other.count, sum + other.sum, sumSquares + other.sumSquares);
    }

    public PromptMean plus(double value) {
        return plus(of(value));
    }

    /** The mean, NaN when empty. */
    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /** The sample standard deviation (n - 1), NaN below two values. */
    public double std() {
        if (count < 2) {
            return Double.NaN;
        }
        double m = mean();
        return Math.sqrt(Math.max(0, (sumSquares - count * m * m) / (count - 1)));
    }
}
