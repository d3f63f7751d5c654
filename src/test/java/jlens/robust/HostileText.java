package jlens.robust;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Pieces of text that broke, or could break, a reader or a terminal: control characters and escape sequences,
 * invisible and direction-changing format characters, marks with nothing to sit on, half surrogate pairs, the
 * replacement character, wide characters, special tokens, format strings, paths that climb out. The fuzzers of
 * every untrusted input (prompt files, environment values; SAE folders, graph JSON, steering vectors and corpora as
 * they are added) draw from here, so a new class of hostile text is added once and reaches them all.
 */
final class HostileText {
    static final List<String> PIECES = List.of(
            "\u0000", "\u0007", "\u001b[2J", "\u001b]52;c;aGk=\u0007", "\u001b[31m", "\u009b31m", "\u0085", "\r", "\n",
            "\t", "\u000b", "\u007f",
            "\u202e", "\u2066", "\u200b", "\u200d", "\u200e", "\u00ad", "\ufeff", "\u2028", "\u2029", "\u0336", "\u0301",
            "\u20dd", "\ufe0f",
            "\ud800", "\udc00", "\ufffd", "\ud83d\ude00", "\u6f22\u5b57", "\uff21",
            "<|endoftext|>", "%s%n%x", "${HOME}", "$(id)", "../../../etc/passwd", "~", "\\", "\"", "'", "{", "}", "[", "]",
            ",", ":", "null", "-1", "0", "1e308", "NaN", " ", "", "a", "When Mary and John went to the store",
            "9".repeat(30), "x".repeat(300));

    private HostileText() {}

    /** One piece. */
    static Arbitrary<String> piece() {
        return Arbitraries.of(PIECES);
    }

    /** A few pieces run together, now and then with plain words between. */
    static Arbitrary<String> text() {
        return Arbitraries.oneOf(piece(), Arbitraries.strings().alpha().ofMaxLength(12)).list().ofMinSize(0).ofMaxSize(6)
                .map(parts -> String.join("", parts));
    }

    /** {@code s} as a JSON string literal, escaping what JSON requires and nothing more (lone surrogates as \\u). */
    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)
                    && !(Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
                    && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)))) {
                b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
