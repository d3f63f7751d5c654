package jlens.intervene.generation;

import java.util.Arrays;
import java.util.SplittableRandom;
import jlens.model.NonFiniteException;

/**
 * Picks each new token from the log-probabilities of the last position, in Java on a float copy of them, so the
 * choice is the same on every device and in the cached and recomputing paths alike.
 */
public final class GenerationChooser {
    private final GenerationSampling sampling;
    private final SplittableRandom random;

    GenerationChooser(GenerationSampling sampling) {
        this.sampling = sampling;
        this.random = new SplittableRandom(sampling.seed());
    }

    /**
     * The next token's id, given the log-probabilities {@code [V]} over the vocabulary. Log-probabilities that are not
     * numbers (a NaN anywhere, +inf, or -inf everywhere: the pass overflowed or a hook wrote them) are refused in one
     * line: no token is picked from them (greedy would pick token 0, "!", and sampling had no token to index).
     */
    int choose(float[] logprobs) {
        requireFinite(logprobs);
        if (sampling.greedyChoice()) {
            return argmax(logprobs);
        }
        int v = logprobs.length;
        float threshold = Float.NEGATIVE_INFINITY; // tokens below it are outside the top k
        int k = sampling.topK() == 0 ? v : Math.min(sampling.topK(), v);
        if (k < v) {
            float[] sorted = logprobs.clone();
            Arrays.sort(sorted);
            threshold = sorted[v - k];
        }
        int above = 0; // tokens strictly above the threshold all belong; ties at it fill up by id
        for (float lp : logprobs) {
            if (lp > threshold) {
                above++;
            }
        }
        int tiesLeft = k - above;
        double max = logprobs[argmax(logprobs)];
        double[] weights = new double[v];
        double total = 0;
        for (int i = 0; i < v; i++) {
            float lp = logprobs[i];
            boolean kept = lp > threshold || (lp == threshold && tiesLeft-- > 0);
            if (kept && lp > Float.NEGATIVE_INFINITY) {
                weights[i] = Math.exp((lp - max) / sampling.temperature()); // softmax(logits / T), unnormalised
                total += weights[i];
            }
        }
        double u = random.nextDouble() * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < v; i++) {
            if (weights[i] > 0) {
                cumulative += weights[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        if (last < 0) { // cannot happen once requireFinite passed (the most likely token has weight 1); never index with it
            throw new IllegalArgumentException("no token has a probability above 0; none can be sampled");
        }
        return last; // u landed on the rounding error at the very end
    }

    /** Throws when no token can be chosen from {@code logprobs}: a NaN or +inf anywhere, or -inf everywhere. */
    static void requireFinite(float[] logprobs) {
        NonFiniteException.requireDistribution(logprobs, "the next token's log-probabilities", "no token can be chosen from them",
                null);
    }

    /** The most likely token; the lowest id on a tie. */
    public static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
