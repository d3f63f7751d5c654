package jlens.model;

/**
 * Numbers read from a pass that are NaN or infinite where a read-out needs finite ones: a log-prob, a rank, a chosen
 * token, a logit difference, a direct logit attribution. The one refusal of the rule in ARCHITECTURE.md
 * ("Non-finite values"): every read-out checks what it reads with {@link #requireFinite} or
 * {@link #requireDistribution} before picking or ranking anything, and a caller that can run the pass again
 * ({@code Workspace}) adds where it first went non-finite ({@link FirstNonFinite}). Values a user gives (a change
 * in force, a steering vector) are inputs, refused as such, not with this type.
 */
public final class NonFiniteException extends IllegalArgumentException {
    private final long[] ids;

    private NonFiniteException(String message, long[] ids) {
        super(message);
        this.ids = ids == null ? null : ids.clone();
    }

    /**
     * Refuses {@code values} holding a NaN or an infinity.
     *
     * @param what what they are, for the line ({@code the logits at position 14})
     * @param consequence what cannot be computed from them ({@code their log-probabilities and ranks are undefined})
     * @param ids the tokens of the pass they were read from, for finding where it went non-finite; null when unknown
     */
    public static void requireFinite(float[] values, String what, String consequence, long[] ids) {
        Count c = Count.of(values);
        if (c.nan() > 0 || c.positive() > 0 || c.negative() > 0) {
            throw new NonFiniteException(line(what, c, values.length, consequence), ids);
        }
    }

    /** As {@link #requireFinite(float[], String, String, long[])} for numbers already widened. */
    public static void requireFinite(double[] values, String what, String consequence, long[] ids) {
        float[] narrow = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            narrow[i] = Double.isFinite(values[i]) ? 0f : (float) values[i]; // only finiteness is counted
        }
        requireFinite(narrow, what, consequence, ids);
    }

    /**
     * Refuses log-probabilities (or logits) that are not a distribution to choose from: a NaN or +inf anywhere, or
     * -inf everywhere. A -inf among finite values is a token ruled out (probability 0), which a hook may do.
     */
    public static void requireDistribution(float[] values, String what, String consequence, long[] ids) {
        Count c = Count.of(values);
        if (c.nan() > 0 || c.positive() > 0 || c.negative() == values.length) {
            throw new NonFiniteException(line(what, c, values.length, consequence), ids);
        }
    }

    /** The tokens of the pass the values came from, or null. */
    public long[] ids() {
        return ids == null ? null : ids.clone();
    }

    /** The same refusal with {@code where} (where the pass first went non-finite) after its line. */
    public NonFiniteException locatedAt(String where) {
        return new NonFiniteException(getMessage() + "; " + where, ids);
    }

    private static String line(String what, Count c, int total, String consequence) {
        String counts = c.nan() + " NaN" + (c.positive() > 0 || c.negative() > 0 ? ", " + c.positive() + " +inf and " + c.negative()
                + " -inf" : "");
        return (c.nan() + c.positive() + c.negative()) + " of " + total + " values of " + what + " are not finite (" + counts + "): "
                + consequence;
    }

    private record Count(long nan, long positive, long negative) {
        static Count of(float[] values) {
            long nan = 0;
            long positive = 0;
            long negative = 0;
            for (float x : values) {
                nan += Float.isNaN(x) ? 1 : 0;
                positive += x == Float.POSITIVE_INFINITY ? 1 : 0;
                negative += x == Float.NEGATIVE_INFINITY ? 1 : 0;
            }
            return new Count(nan, positive, negative);
        }
    }
}
