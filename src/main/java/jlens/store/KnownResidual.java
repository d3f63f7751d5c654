package jlens.store;

/**
 * Where each thing lives in the known-answer model's residual stream (d_model 384): separate blocks of
 * coordinates, so that every head reads and writes exactly one kind of information and nothing interferes.
 *
 * <p>LayerNorm is kept out of the way by construction. Every vector written has zero mean over its block (token
 * vectors are centred, positions use three phases that sum to zero, scalar flags are stored as a {@code (+a, -a)}
 * pair), so the centring subtracts nothing. And every norm is fixed: at an ordinary position the embedding's
 * squared norm is exactly {@link #D_MODEL}, so layer 0's LayerNorm is the identity there, and the heads of layer 0
 * add fixed norms, so layer 1's LayerNorm divides by a known constant ({@link #layer1Scale()}) that its readers
 * multiply back.
 */
final class KnownResidual {
    static final int D_MODEL = 384;
    /** Width of a token vector: 96 random directions tell 50257 tokens apart with cosine about 1/sqrt(96) ~ 0.1. */
    static final int D_TOKEN = 96;

    /** The token's identity, as heads read it. */
    static final int TOKEN = 0;
    /**
     * The same token vector again, plus what heads predict. The unembedding is tied to the embedding, so the
     * embedding's own token would be read back as a prediction of itself; {@code ln_f} weighs this block +G and
     * {@link #TOKEN} -G, so the two copies cancel exactly and only what heads add here reaches the logits.
     */
    static final int OUTPUT = TOKEN + D_TOKEN;
    /** The previous-token head's output: the previous position's token vector. */
    static final int PREVIOUS = OUTPUT + D_TOKEN;
    /** The sinusoidal position code ({@link KnownPositions}). */
    static final int POSITION = PREVIOUS + D_TOKEN;
    /** The first-position flag pair; the first position carries nothing else from {@code wpe}. */
    static final int FIRST = POSITION + KnownPositions.width();
    /** Output pairs of heads that nothing downstream reads: visible in the residual, not in the logits. */
    static final int FIRST_HEAD_OUT = FIRST + 2;
    static final int DUPLICATE_OUT = FIRST_HEAD_OUT + 2;
    static final int CURRENT_OUT = DUPLICATE_OUT + 2;
    /**
     * The name flag: {@link #NAME_FLAG} in the embedding of each of {@link KnownModelWriter#NAMES}, 0 for any other
     * token, read by the name mover's keys. The only coordinate that is not part of a zero-sum block: LayerNorm's
     * centring then shifts every coordinate by -flag/384 at a name, which every other reader (zero-sum weights over
     * a block) cannot see, and its norm (+4 of 384: LayerNorm scales a name's position by 0.5%) is under every
     * reader's margin (the known SAE's features at a name read 0.995).
     */
    static final int NAME = CURRENT_OUT + 2;
    static final int USED = NAME + 1; // 384
    static final double NAME_FLAG = 2;

    /**
     * The S-inhibition head's private channel: {@value #CHANNEL} directions inside the position block that no
     * position code ever has a component on. Each frequency's three phases sum to zero at every position, so
     * (1,1,1) on one frequency's triple is orthogonal to every code; the Helmert combinations of those 29 triples
     * are orthonormal and sum to zero over the block, so LayerNorm's centring leaves them alone too. Only the
     * S-inhibition head writes here, only the name mover reads it, and nothing below layer 2 reads the position
     * block after layer 1 has run.
     *
     * @return direction {@code m} (0..CHANNEL-1) as residual coordinate weights, length {@link #D_MODEL}
     */
    static double[] channel(int m) {
        int k = m + 1; // Helmert: (e_0 + ... + e_{k-1} - k e_k) / sqrt(k (k + 1)), e_j = (1,1,1)/sqrt(3) on triple j
        double[] v = new double[D_MODEL];
        double norm = Math.sqrt(k * (k + 1.0)) * Math.sqrt(KnownPositions.PHASES);
        for (int j = 0; j <= k; j++) {
            for (int phase = 0; phase < KnownPositions.PHASES; phase++) {
                v[POSITION + j * KnownPositions.PHASES + phase] = (j < k ? 1 : -k) / norm;
            }
        }
        return v;
    }

    /** How many directions the channel has: one fewer than the frequencies (their sum is not zero-sum). */
    static final int CHANNEL = KnownPositions.N_FREQ - 1;

    /** Squared norms: token vector (each copy), position code, first flag, marker pair. */
    static final double TOKEN_NORM_SQ = D_MODEL / 4.0;
    static final double POSITION_NORM_SQ = D_MODEL / 2.0; // 2 token copies + position = D_MODEL
    static final double FIRST_NORM_SQ = D_MODEL; // the first position has only the flag (and a shrunk token)
    static final double MARKER = 0.5; // each coordinate of a marker pair: squared norm 0.5
    /**
     * {@code wpe[0]} is the flag times this: after LayerNorm the first position looks like a unit-variance flag
     * whose token is 100 times smaller than anywhere else, so heads resting there read an almost-zero value (the
     * way trained models make their first token an attention sink).
     */
    static final double FIRST_BOOST = 100;

    private KnownResidual() {}

    /** Value of each flag coordinate after LayerNorm at the first position (the flag holds all the norm). */
    static double firstFlag() {
        return Math.sqrt(FIRST_NORM_SQ / 2);
    }

    /** LayerNorm's divisor at an ordinary position of layer 1: layer 0 added the previous token and two markers. */
    static double layer1Scale() {
        return Math.sqrt((D_MODEL + TOKEN_NORM_SQ + 2 * 2 * MARKER * MARKER) / D_MODEL);
    }

    /** LayerNorm's divisor at an ordinary position of layer 2: layer 1 added the current-token head's marker. */
    static double layer2Scale() {
        return Math.sqrt((layer1Scale() * layer1Scale() * D_MODEL + 2 * MARKER * MARKER) / D_MODEL);
    }

    /** ln_f's divisor where the induction head copies: layer 1 added the copied token and a marker. */
    static double finalScaleWhenCopying() {
        double layer1 = layer1Scale() * layer1Scale() * D_MODEL;
        return Math.sqrt((layer1 + TOKEN_NORM_SQ + 2 * MARKER * MARKER) / D_MODEL);
    }

    static {
        if (USED > D_MODEL || KnownPositions.width() != KnownPositions.N_FREQ * KnownPositions.PHASES) {
            throw new AssertionError("the residual layout needs " + USED + " coordinates");
        }
    }
}
