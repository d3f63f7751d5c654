package jlens.analysis;

import java.util.Random;

/**
 * TransformerLens's induction prompt: a first token, then N tokens drawn uniformly from the whole vocabulary, then
 * the same N again. A model that copies in context predicts the second half; nothing predicts the first. Seeded
 * with {@link java.util.Random}, whose generator is specified, so a seed gives the same prompt everywhere.
 */
public final class RepeatedRandomTokens {
    /** The seed used when none is given. */
    public static final long DEFAULT_SEED = 0;

    private RepeatedRandomTokens() {}

    /**
     * @param n tokens in each half (at least 1)
     * @param seed the generator's seed
     * @param vocab tokens are drawn from 0..vocab-1
     * @param first the id at position 0 (GPT-2's {@code <|endoftext|>}, 50256, as TransformerLens prepends)
     * @return {@code 2n + 1} ids: {@code [first, r_1..r_n, r_1..r_n]}
     */
    public static long[] of(int n, long seed, int vocab, long first) {
        if (n < 1) {
            throw new IllegalArgumentException("the random sequence needs at least 1 token; got " + n);
        }
        if (vocab < 1) {
            throw new IllegalArgumentException("the vocabulary is empty");
        }
        Random rng = new Random(seed);
        long[] ids = new long[2 * n + 1];
        ids[0] = first;
        for (int i = 1; i <= n; i++) {
            ids[i] = rng.nextInt(vocab);
        }
        System.arraycopy(ids, 1, ids, n + 1, n);
        return ids;
    }
}
