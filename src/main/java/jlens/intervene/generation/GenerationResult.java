package jlens.intervene.generation;

import java.util.List;

/**
 * A generation's outcome: the prompt, the new token ids, each new token's text on its own ({@code pieces},
 * untrusted model text), the new text decoded as a whole (byte-level tokens may split a character, so it is
 * not always the pieces joined), the log-probability of each chosen token, how it was chosen, and why it stopped
 * ({@code message} says it in a sentence).
 */
public record GenerationResult(long[] prompt, long[] ids, List<String> pieces, String text, double[] logprobs,
                               GenerationSampling sampling, GenerationStop stop, String message) {
    public GenerationResult {
        prompt = prompt.clone();
        ids = ids.clone();
        pieces = List.copyOf(pieces);
        logprobs = logprobs.clone();
    }

    /** The prompt followed by the new tokens. */
    public long[] sequence() {
        long[] all = java.util.Arrays.copyOf(prompt, prompt.length + ids.length);
        System.arraycopy(ids, 0, all, prompt.length, ids.length);
        return all;
    }

    /** Sum of the chosen tokens' log-probabilities: the log-probability of the continuation. */
    public double totalLogprob() {
        double s = 0;
        for (double lp : logprobs) {
            s += lp;
        }
        return s;
    }
}
