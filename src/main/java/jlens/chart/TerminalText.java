package jlens.chart;

/**
 * Untrusted text made safe to print on a terminal: the one place that decides what may reach it. Token strings,
 * file names, config values and any message that echoes input come from model files, tokenizers and users; a
 * control character among them could clear the screen, retitle the window or write the clipboard (OSC 52).
 *
 * <p>Each control character becomes one visible character of one column, so charts keep their layout: C0 controls
 * and DEL their Unicode control pictures ({@code ESC} is {@code ␛}, a newline {@code ␊}), and the C1 controls,
 * the bidirectional overrides and isolates (which reorder what follows them on the line) and unpaired surrogates
 * the replacement character {@code �}. Everything else, including all printable Unicode, is kept. The mapping
 * is idempotent: escaped text escaped again is unchanged.
 */
public final class TerminalText {
    /** Longest argument a message quotes back; a pasted megabyte is cut to this with an ellipsis. */
    public static final int ECHO_LIMIT = 120;

    private TerminalText() {}

    /** {@code c} if it is safe on a terminal, else its one-column visible stand-in. */
    public static char escape(char c) {
        if (c < 0x20) {
            return (char) (0x2400 + c); // ␀ .. ␟
        }
        if (c == 0x7f) {
            return '\u2421'; // ␡
        }
        if (c >= 0x80 && c <= 0x9f || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069) {
            return '\ufffd';
        }
        return c;
    }

    /** {@code s} with every character a terminal would act on replaced by its visible stand-in. */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        int first = firstUnsafe(s);
        if (first < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        out.append(s, 0, first);
        for (int i = first; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\ufffd');
            } else {
                out.append(escape(c));
            }
        }
        return out.toString();
    }

    /** Whether printing {@code s} as is would pass nothing to the terminal but printable text. */
    public static boolean isSafe(String s) {
        return firstUnsafe(s) < 0;
    }

    private static int firstUnsafe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c) || escape(c) != c) {
                return i;
            }
        }
        return -1;
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
}
