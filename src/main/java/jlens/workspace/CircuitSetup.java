package jlens.workspace;

import java.util.function.Supplier;
import jlens.analysis.Metric;
import jlens.model.Gpt2Tokenizer;

/** What activation patching needs beside the text: the corrupted text and the metric. */
final class CircuitSetup {
    private final TextSlot corrupt = new TextSlot();
    private Metric metric;

    boolean hasCorrupt() {
        return corrupt.hasIds();
    }

    String corruptText() {
        return corrupt.text();
    }

    long[] corruptIds() {
        if (!corrupt.hasIds()) {
            throw new MissingStateException(corrupt.text() == null
                    ? "no corrupted text yet; give one with corrupt \"...\" (as many tokens as the text)"
                    : "the corrupted text does not fit this model; give a shorter one");
        }
        return corrupt.ids();
    }

    /** Checks and tokenises the corrupted text; {@code textIds} (or null) must have as many tokens. */
    void corrupt(String text, Supplier<Gpt2Tokenizer> tokenizer, long[] textIds) {
        TextSlot candidate = new TextSlot();
        try {
            candidate.set(text, tokenizer);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.getMessage().replaceFirst("^the text", "the corrupted text")
                    .replace("e.g. text \"", "e.g. corrupt \""));
        }
        long[] ids = candidate.ids();
        if (textIds != null && ids.length != textIds.length) {
            throw new InvalidInputException("the corrupted text has " + ids.length + " tokens and the text " + textIds.length
                    + "; patching needs the same number of tokens (see 'tokens')");
        }
        corrupt.set(text, tokenizer);
    }

    void retokenise(Gpt2Tokenizer tokenizer) {
        corrupt.retokenise(tokenizer);
    }

    Metric metric() {
        if (metric == null) {
            throw new MissingStateException("no metric yet; give one, e.g. metric logitdiff \" Mary\" \" John\"");
        }
        return metric;
    }

    boolean hasMetric() {
        return metric != null;
    }

    void metric(Metric m) {
        metric = m;
    }
}
