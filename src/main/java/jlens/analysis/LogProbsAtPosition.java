package jlens.analysis;

import java.util.List;

/**
 * The next-token distribution at one position (demo 3 step 2): log-softmax of the logits over the vocabulary.
 *
 * @param position the position read, from 0 (a negative position given has been resolved)
 * @param tokens tokens in the text
 * @param next the text's real next token (the one at {@code position + 1}) with its log-probability and rank, or
 *     null at the last position, whose next token the text does not hold
 * @param top the most likely tokens, most likely first
 * @param logProbs every vocabulary id's log-probability, indexed by id (the notebook's 50257-point scatter)
 * @param vocabulary every id's token decoded on its own, for the CSV's {@code token} column
 */
public record LogProbsAtPosition(int position, int tokens, TokenLogProb next, List<TokenLogProb> top, float[] logProbs,
        String[] vocabulary) implements AnalysisResult {

    public LogProbsAtPosition {
        top = List.copyOf(top);
        if (vocabulary.length != logProbs.length) {
            throw new IllegalArgumentException(vocabulary.length + " token strings for " + logProbs.length + " log-probabilities");
        }
    }

    @Override
    public List<String> columns() {
        return List.of("token_id", "token", "logprob");
    }

    @Override
    public int rowCount() {
        return logProbs.length;
    }

    @Override
    public Object[] row(int i) {
        return new Object[] {i, vocabulary[i], logProbs[i]};
    }

    @Override
    public String toString() {
        return "LogProbsAtPosition[position " + position + " of " + tokens + ", next " + next + ", top " + top + "]";
    }
}
