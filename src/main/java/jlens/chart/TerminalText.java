package jlens.chart;

/**
 * Untrusted text made safe to print on a terminal: the one place that decides what may reach it and how many
 * columns it takes. Token strings, file names, config values and any message that echoes input come from model
 * files, tokenizers and users; a control character among them could clear the screen, retitle the window or write
 * the clipboard (OSC 52), and an invisible or combining one would shift or strike through what is drawn around it.
 *
 * <p>Each character a terminal would act on becomes one visible character of one column, so charts keep their
 * layout: C0 controls and DEL their Unicode control pictures ({@code ESC} is {@code ␛}, a newline {@code ␊}); the C1
 * controls, the format characters (Unicode category Cf: zero-width spaces and joiners, the soft hyphen, direction
 * marks, the bidirectional overrides and isolates), the line and paragraph separators and unpaired surrogates the
 * replacement character {@code �}. A combining mark (categories Mn, Me) is kept where it has a character of its own to
 * sit on (a letter, digit or symbol, or the marks after one): shown alone (at the start, after a space, a punctuation
 * mark or an escaped character) it would land on whatever the terminal printed before (a token strip's separator),
 * so it is put on a dotted circle {@code ◌}, as Unicode's charts show marks. Everything else, including all
 * printable Unicode, is kept. The mapping is idempotent: escaped text escaped again is unchanged.
 *
 * <p>{@link #width} counts the columns a terminal gives text: two for wide characters (CJK, most emoji), none for a
 * kept combining mark.
 */
public final class TerminalText {
    /** Longest argument a message quotes back; a pasted megabyte is cut to this with an ellipsis. */
    public static final int ECHO_LIMIT = 120;
    /** What a mark shown alone sits on. */
    static final char DOTTED_CIRCLE = '\u25cc';

    private TerminalText() {}

    /**
     * {@code c} if it is safe on a terminal on its own (in a cell of its own, with nothing before it to sit on), else
     * its one-column visible stand-in; a combining mark becomes the dotted circle.
     */
    public static char escape(char c) {
        if (c < 0x20) {
            return (char) (0x2400 + c); // ␀ .. ␟
        }
        if (c == 0x7f) {
            return '\u2421'; // ␡
        }
        if (Character.isSurrogate(c)) {
            return c; // half of a pair: whole pairs are judged by escape(String)
        }
        if (invisible(c)) {
            return '\ufffd';
        }
        return mark(c) ? DOTTED_CIRCLE : c;
    }

    /** C1 controls, format characters (Cf), line and paragraph separators: never shown as they are. */
    private static boolean invisible(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** A combining mark of no width of its own. */
    private static boolean mark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK;
    }

    /** A character a following mark may sit on: a letter, digit or symbol (or a spacing mark, which follows one). */
    private static boolean base(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                    Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL, Character.COMBINING_SPACING_MARK -> true;
            default -> false;
        };
    }

    /**
     * Text escaped as it is written, code point by code point, remembering whether a mark would have something to
     * sit on: {@link #escape(String)} uses a fresh one per string; a writer keeps one for its whole stream.
     */
    public static final class Escaper {
        private boolean onBase;

        /** Forgets what came before: the next mark has nothing to sit on (a new line, a new cell). */
        public void reset() {
            onBase = false;
        }

        /** Appends {@code cp} (a code point; a lone surrogate is a char of one) as it may be shown. */
        public void append(StringBuilder out, int cp) {
            if (cp < 0x20 || cp == 0x7f) {
                out.append(escape((char) cp));
                onBase = false;
            } else if (Character.isSurrogate((char) cp) && Character.charCount(cp) == 1 || invisible(cp)) {
                out.append('\ufffd');
                onBase = false;
            } else if (mark(cp)) {
                if (!onBase) {
                    out.append(DOTTED_CIRCLE);
                    onBase = true;
                }
                out.appendCodePoint(cp);
            } else {
                out.appendCodePoint(cp);
                onBase = base(cp);
            }
        }
    }

    /** {@code s} with every character a terminal would act on replaced by its visible stand-in. */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        if (isSafe(s)) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 4);
        Escaper e = new Escaper();
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            e.append(out, cp);
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /** Whether printing {@code s} as is would pass nothing to the terminal but printable text that keeps its place. */
    public static boolean isSafe(String s) {
        boolean onBase = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (cp < 0x20 || cp == 0x7f || Character.isSurrogate((char) cp) && Character.charCount(cp) == 1
                    || invisible(cp) || mark(cp) && !onBase) {
                return false;
            }
            onBase = mark(cp) || base(cp);
            i += Character.charCount(cp);
        }
        return true;
    }

    /** {@code s} escaped and, past {@link #ECHO_LIMIT} characters, cut with an ellipsis: for quoting input back. */
    public static String echo(String s) {
        return clip(escape(s), ECHO_LIMIT);
    }

    /** {@code s} cut to at most {@code max} characters, the last an ellipsis when something was cut. */
    public static String clip(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max - 1;
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "…";
    }

    /**
     * The columns a terminal gives {@code s} once escaped: two for a wide character (East Asian wide and full-width
     * forms, most emoji), none for a combining mark or a format character, one for everything else.
     */
    public static int width(String s) {
        int w = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT) {
                continue;
            }
            w += wide(cp) ? 2 : 1;
        }
        return w;
    }

    /** East Asian wide and full-width ranges (Unicode's EastAsianWidth W and F) and the emoji blocks. */
    static boolean wide(int cp) {
        return cp >= 0x1100 && cp <= 0x115f || cp == 0x2329 || cp == 0x232a
                || cp >= 0x231a && cp <= 0x231b || cp >= 0x23e9 && cp <= 0x23ec || cp == 0x23f0 || cp == 0x23f3
                || cp >= 0x25fd && cp <= 0x25fe || cp >= 0x2614 && cp <= 0x2615 || cp >= 0x2648 && cp <= 0x2653
                || cp == 0x267f || cp == 0x2693 || cp == 0x26a1 || cp >= 0x26aa && cp <= 0x26ab || cp >= 0x26bd && cp <= 0x26be
                || cp >= 0x26c4 && cp <= 0x26c5 || cp == 0x26ce || cp == 0x26d4 || cp == 0x26ea || cp >= 0x26f2 && cp <= 0x26f3
                || cp == 0x26f5 || cp == 0x26fa || cp == 0x26fd || cp == 0x2705 || cp >= 0x270a && cp <= 0x270b || cp == 0x2728
                || cp == 0x274c || cp == 0x274e || cp >= 0x2753 && cp <= 0x2755 || cp == 0x2757 || cp >= 0x2795 && cp <= 0x2797
                || cp == 0x27b0 || cp == 0x27bf || cp >= 0x2b1b && cp <= 0x2b1c || cp == 0x2b50 || cp == 0x2b55
                || cp >= 0x2e80 && cp <= 0x303e || cp >= 0x3041 && cp <= 0x33ff || cp >= 0x3400 && cp <= 0x4dbf
                || cp >= 0x4e00 && cp <= 0x9fff || cp >= 0xa000 && cp <= 0xa4cf || cp >= 0xa960 && cp <= 0xa97f
                || cp >= 0xac00 && cp <= 0xd7a3 || cp >= 0xf900 && cp <= 0xfaff || cp >= 0xfe10 && cp <= 0xfe19
                || cp >= 0xfe30 && cp <= 0xfe6f || cp >= 0xff00 && cp <= 0xff60 || cp >= 0xffe0 && cp <= 0xffe6
                || cp >= 0x16fe0 && cp <= 0x16fe4 || cp >= 0x17000 && cp <= 0x18aff || cp >= 0x1b000 && cp <= 0x1b16f
                || cp == 0x1f004 || cp == 0x1f0cf || cp == 0x1f18e || cp >= 0x1f191 && cp <= 0x1f19a
                || cp >= 0x1f200 && cp <= 0x1f251 || cp >= 0x1f300 && cp <= 0x1f64f || cp >= 0x1f680 && cp <= 0x1f6ff
                || cp >= 0x1f7e0 && cp <= 0x1f7eb || cp >= 0x1f90c && cp <= 0x1f9ff || cp >= 0x1fa70 && cp <= 0x1faff
                || cp >= 0x20000 && cp <= 0x3fffd;
    }
}
