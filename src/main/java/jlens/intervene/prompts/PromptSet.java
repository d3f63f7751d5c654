package jlens.intervene.prompts;

import java.util.ArrayList;
import java.util.List;
import jlens.model.Gpt2Tokenizer;

/**
 * Prompts analysed together (means, per-prompt tables, mean ablation). Read one from a file with
 * {@link PromptSetReader}, make an IOI-style one with {@link IoiPrompts}, or give texts here.
 *
 * @param source where it came from (a file name, or a description such as {@code ioi 50 seed 1})
 */
public record PromptSet(String source, List<Prompt> prompts) {
    public PromptSet {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("a prompt set needs at least one prompt");
        }
        prompts = List.copyOf(prompts);
    }

    /** A set of plain texts (no answers), tokenized with {@code tokenizer}. */
    public static PromptSet of(String source, List<String> texts, Gpt2Tokenizer tokenizer) {
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            out.add(new Prompt(i + 1, texts.get(i), null, null, null, tokenizer.encode(texts.get(i)), null, -1, -1));
        }
        return new PromptSet(source, out);
    }

    public int size() {
        return prompts.size();
    }

    public Prompt get(int i) {
        return prompts.get(i);
    }

    /** Whether every prompt has an answer (and so a log-prob of the answer can be taken over the set). */
    public boolean hasAnswers() {
        return prompts.stream().allMatch(Prompt::hasAnswer);
    }

    /** Whether every prompt has an answer and a wrong token (the logit difference is defined). */
    public boolean hasAnswerPairs() {
        return prompts.stream().allMatch(p -> p.hasAnswer() && p.hasWrong());
    }

    public boolean hasCorrupt() {
        return prompts.stream().allMatch(Prompt::hasCorrupt);
    }

    public int maxLength() {
        return prompts.stream().mapToInt(Prompt::length).max().orElse(0);
    }

    public int minLength() {
        return prompts.stream().mapToInt(Prompt::length).min().orElse(0);
    }

    /**
     * Refuses a set with a prompt (or corrupted prompt) longer than {@code context} tokens, naming its line.
     *
     * @return this set
     */
    public PromptSet requireWithin(int context) {
        for (Prompt p : prompts) {
            int n = Math.max(p.length(), p.corruptIds().length);
            if (n > context) {
                throw new IllegalArgumentException(PromptFileException.printable(source, 80) + ": line " + p.line() + " is " + n
                        + " tokens, more than the model's context of " + context + "; shorten it");
            }
        }
        return this;
    }

    /** The first prompt with fewer than {@code n} tokens, or null. */
    public Prompt firstShorterThan(int n) {
        return prompts.stream().filter(p -> p.length() < n).findFirst().orElse(null);
    }

    /** The token ids of each prompt, or of each corrupted prompt. */
    public List<long[]> ids(boolean corrupt) {
        return prompts.stream().map(p -> corrupt ? p.corruptIds() : p.ids()).toList();
    }

    /** The prompts {@code from..to-1} as a set of their own (a partition, or a batch). */
    public PromptSet slice(int from, int to) {
        return new PromptSet(source + "[" + from + ":" + to + "]", prompts.subList(from, to));
    }
}
