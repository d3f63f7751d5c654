package jlens.intervene.prompts;

/**
 * One prompt's next-token prediction at its last token: the most likely token and its log-probability, and,
 * when the prompt has them, the log-probabilities of the answer and of the wrong token and their logit
 * difference ({@code logit(answer) - logit(wrong)}, the IOI metric). Missing values are NaN.
 *
 * @param index the prompt's index in its set
 * @param line its line in the file (or index + 1)
 */
public record PromptScore(int index, int line, long topId, double topLogprob, double answerLogprob, double wrongLogprob,
                          double logitDiff) {}
