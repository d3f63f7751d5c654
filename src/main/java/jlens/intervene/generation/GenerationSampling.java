package jlens.intervene.generation;

import java.util.Locale;

/**
 * How each new token is chosen. Temperature 0 is greedy: the most likely token (the lowest id on a tie).
 * Otherwise the token is drawn from {@code softmax(logits / temperature)} over the {@code topK} most likely
 * tokens (0: the whole vocabulary), with one {@link java.util.SplittableRandom} seeded by {@code seed} and one
 * {@code nextDouble()} per token: the same seed, model and prompt give the same tokens on any machine.
 */
public record GenerationSampling(double temperature, int topK, long seed) {
    public GenerationSampling {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature " + temperature + " is not a number >= 0 (0 is greedy)");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k " + topK + " is negative; give K >= 1 (or 0 for the whole vocabulary)");
        }
    }

    public static GenerationSampling greedy() {
        return new GenerationSampling(0, 0, 0);
    }

    /** Sampling at {@code temperature} (> 0) from the {@code topK} most likely tokens (0: all). */
    public static GenerationSampling sample(double temperature, int topK, long seed) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("a sampling temperature must be > 0 (use greedy for 0)");
        }
        return new GenerationSampling(temperature, topK, seed);
    }

    public boolean greedyChoice() {
        return temperature == 0;
    }

    /** {@code greedy} or {@code sample temp T top-k K seed S}, as the command line spells it. */
    public String describe() {
        if (greedyChoice()) {
            return "greedy";
        }
        return String.format(Locale.ROOT, "sample temp %s%s seed %d", trim(temperature), topK > 0 ? " top-k " + topK : "", seed);
    }

    /** {@code 2} for a whole number a long holds exactly, else Java's own spelling ({@code 0.8}, {@code 1.0E308}). */
    private static String trim(double v) {
        return v == Math.rint(v) && Math.abs(v) < 0x1p53 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
