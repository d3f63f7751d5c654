package jlens.workspace;

import java.util.function.Supplier;
import jlens.model.Gpt2Tokenizer;
import jlens.model.TextCharacters;

/** The text under study and its token ids (null ids: the text does not fit the current model). */
final class TextSlot {
    private String text;
    private long[] ids;

    String text() {
        return text;
    }

    boolean hasIds() {
        return ids != null;
    }

    long[] ids() {
        if (ids == null) {
            throw new MissingStateException(text == null ? "no text yet; give one with text \"...\""
                    : "the text does not fit this model; give a shorter one");
        }
        return ids.clone();
    }

    /** Checks and tokenises {@code newText}; a text that cannot be used changes nothing. */
    void set(String newText, Supplier<Gpt2Tokenizer> tokenizer) {
        if (newText.isEmpty()) {
            throw new InvalidInputException("the text is empty; give at least one character, e.g. text \"Hello\"");
        }
        if (newText.isBlank()) {
            throw new InvalidInputException("the text is only blanks; give some words, e.g. text \"Hello\"");
        }
        checkCharacters(newText);
        long[] newIds;
        try {
            newIds = tokenizer.get().encode(newText);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        if (newIds.length == 0) {
            throw new InvalidInputException("the text gives no tokens; give some words");
        }
        text = newText;
        ids = newIds;
    }

    /** Tokenises the text again for another model; keeps the text without ids when it does not fit. */
    void retokenise(Gpt2Tokenizer tokenizer) {
        if (text == null) {
            return;
        }
        try {
            ids = tokenizer.encode(text);
        } catch (IllegalArgumentException e) {
            ids = null; // the text does not fit this model's context: keep the text, drop the tokens
        }
    }

    /** What {@link TextCharacters} refuses (control characters, broken surrogates, U+FFFD), said in one line. */
    private static void checkCharacters(String text) {
        TextCharacters.problem(text).ifPresent(bad -> {
            throw new InvalidInputException("the text has " + bad + "; remove it (\\n and \\t are fine)");
        });
    }
}
