package jlens.model;

import java.util.Locale;
import java.util.Optional;

/**
 * The one rule for what text may go to the tokenizer, wherever it comes from (the {@code text} command, a prompt
 * file, a Java call): no control characters but newline, tab and carriage return, no unpaired UTF-16 surrogates (half
 * a character; the tokenizer would see a replacement character), and no U+FFFD (bytes that were not UTF-8).
 */
public final class TextCharacters {
    private TextCharacters() {}

    /** The first character {@code text} may not hold and where, as "control character U+001B at character 3"; empty when all are fine. */
    public static Optional<String> problem(String text) {
        int index = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            String bad = null;
            if (Character.isISOControl(cp) && cp != '\n' && cp != '\t' && cp != '\r') {
                bad = String.format(Locale.ROOT, "control character U+%04X", cp);
            } else if (cp == 0xFFFD) {
                bad = "an undecodable byte (U+FFFD)";
            } else if (Character.isSurrogate((char) cp) && Character.charCount(cp) == 1) {
                bad = "a broken UTF-16 surrogate";
            }
            if (bad != null) {
                return Optional.of(bad + " at character " + index);
            }
            i += Character.charCount(cp);
            index++;
        }
        return Optional.empty();
    }
}
