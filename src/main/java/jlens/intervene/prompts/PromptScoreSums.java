package jlens.intervene.prompts;

/**
 * The associative part of a set's scores: one {@link PromptMean} per column, so the scores of parts of a set
 * combine with {@link #plus} into the scores of the whole. NaN values (a prompt without an answer) are left out
 * of their column's count.
 */
public record PromptScoreSums(PromptMean topLogprob, PromptMean answerLogprob, PromptMean wrongLogprob, PromptMean logitDiff) {
    public static final PromptScoreSums EMPTY = new PromptScoreSums(PromptMean.EMPTY, PromptMean.EMPTY, PromptMean.EMPTY,
            PromptMean.EMPTY);

    public static PromptScoreSums of(PromptScore s) {
        return new PromptScoreSums(one(s.topLogprob()), one(s.answerLogprob()), one(s.wrongLogprob()), one(s.logitDiff()));
    }

    private static PromptMean one(double v) {
        return Double.isNaN(v) ? PromptMean.EMPTY : PromptMean.of(v);
    }

    public PromptScoreSums plus(PromptScoreSums o) {
        return new PromptScoreSums(topLogprob.plus(o.topLogprob), answerLogprob.plus(o.answerLogprob),
                wrongLogprob.plus(o.wrongLogprob), logitDiff.plus(o.logitDiff));
    }
}
