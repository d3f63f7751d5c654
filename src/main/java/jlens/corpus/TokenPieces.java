package jlens.corpus;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a long document may be cut so that tokenising the pieces one by one gives the tokens of the whole: GPT-2's
 * pre-tokenizer ({@code 's|'t|...| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}) never joins a non-space
 * character with a space after it, and a space with a non-space character after it always starts a new
 * pre-token; BPE merges within pre-tokens only. So a cut just before a space that has a non-space character on
 * each side, or just after a line break that has one on each side, is one the tokenizer makes too.
 * ({@code CorpusReaderTest} holds the pieces' tokens to the whole's.) The memory of tokenising is then that of a
 * piece, not of the document (a 32 MiB line tokenised whole took 3 GB).
 */
final class TokenPieces {
    /** Pieces are cut at the last cut point before this many characters. */
    static final int PIECE = 1 << 16;
    /** A document with no cut point within this many characters is refused (or skipped). */
    static final int MAX_RUN = 1 << 20;

    private TokenPieces() {}

    /** Piece boundaries of {@code text}: {@code [0, c1, c2, ..., text.length()]}; null when some run has no cut point. */
    static int[] cuts(String text, int piece, int maxRun) {
        List<Integer> cuts = new ArrayList<>();
        cuts.add(0);
        int from = 0;
        int n = text.length();
        while (n - from > piece) {
            int cut = -1;
            for (int i = from + piece; i > from; i--) {
                if (cutBefore(text, i)) {
                    cut = i;
                    break;
                }
            }
            if (cut < 0) {
                for (int i = from + piece + 1; i < Math.min(n, from + maxRun); i++) {
                    if (cutBefore(text, i)) {
                        cut = i;
                        break;
                    }
                }
            }
            if (cut < 0) {
                return null;
            }
            cuts.add(cut);
            from = cut;
        }
        cuts.add(n);
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Whether the tokens of {@code text[..i]} and {@code text[i..]} are those of {@code text} around {@code i}. */
    static boolean cutBefore(String text, int i) {
        if (i < 2 || i >= text.length()) {
            return false;
        }
        char c = text.charAt(i);
        char before = text.charAt(i - 1);
        if (c == ' ') { // " word": the space starts a pre-token; what precedes it ends one
            return !space(before) && i + 1 < text.length() && !space(text.charAt(i + 1));
        }
        // after a line break standing alone between two non-space characters
        return before == '\n' && !space(c) && !space(text.charAt(i - 2));
    }

    private static boolean space(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }
}
