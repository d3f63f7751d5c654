package jlens.intervene;

/**
 * One case's result: the target's log-prob with the ablation, and without.
 *
 * @param head -1 for per-position sites
 */
public record SweepRecord(int layer, int head, int position, double logprob, double cleanLogprob) {
    /** The ablation's effect: negative when it made the target less likely. */
    public double delta() {
        return logprob - cleanLogprob;
    }
}
