package jlens.analysis;

/**
 * A vocabulary entry's log-probability as the next token.
 *
 * @param id token id
 * @param token the token decoded on its own (" who", "\n")
 * @param logProb natural log of its probability
 * @param rank 1 for the most likely token; 1 + the number of tokens strictly more likely
 */
public record TokenLogProb(long id, String token, double logProb, int rank) {
    public double probability() {
        return Math.exp(logProb);
    }
}
