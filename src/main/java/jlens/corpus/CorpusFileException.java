package jlens.corpus;

import jlens.intervene.prompts.PromptFileException;

/**
 * A corpus that cannot be read, in one line that says where ({@code FILE:LINE:}) and what to do. Text from the file
 * (and the file's own name) is quoted with its control and format characters escaped.
 */
public final class CorpusFileException extends IllegalArgumentException {
    public CorpusFileException(Object where, long line, String message) {
        super(PromptFileException.printable(String.valueOf(where), 200) + (line > 0 ? ":" + line : "") + ": " + message);
    }

    /** {@code s} as a message may quote it: control and format characters escaped, at most {@code max} characters. */
    public static String quote(String s, int max) {
        return PromptFileException.printable(s, max);
    }
}
