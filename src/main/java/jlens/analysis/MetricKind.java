package jlens.analysis;

import java.util.Locale;

/** What a circuit metric reads from the logits at one position. */
public enum MetricKind {
    /** {@code logit[A] - logit[B]}: the usual patching metric (answer against a distractor). */
    LOGIT_DIFF,
    /** {@code log_softmax(logits)[A]}: the log-probability of one token. */
    LOGPROB;

    public static MetricKind parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "logitdiff", "logit_diff", "logit-diff", "diff" -> LOGIT_DIFF;
            case "logprob", "log_prob", "logp" -> LOGPROB;
            default -> throw new IllegalArgumentException("unknown metric '" + text + "'; use logitdiff A B or logprob TOKEN");
        };
    }

    /** The word the REPL and saved files use. */
    public String word() {
        return this == LOGIT_DIFF ? "logitdiff" : "logprob";
    }
}
