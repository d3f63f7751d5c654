package jlens.intervene.prompts;

/**
 * A prompt file that cannot be used, with one line saying where ({@code FILE:LINE:}) and what to do. Text from
 * the file is quoted with its control characters escaped and long quotes cut.
 */
public final class PromptFileException extends IllegalArgumentException {
    public PromptFileException(String where, int line, String message) {
        super(printable(where, 200) + (line > 0 ? ":" + line : "") + ": " + message);
    }

    /** {@code s} safe to print inside a one-line message: control characters as escapes, at most 60 characters. */
    public static String printable(String s) {
        return printable(s, 60);
    }

    /** {@code s} with control characters escaped, cut after {@code max} characters. */
    public static String printable(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        int[] cps = s.codePoints().toArray();
        for (int i = 0; i < Math.min(cps.length, max); i++) {
            int c = cps[i];
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || Character.getType(c) == Character.FORMAT) {
                        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        }
        if (cps.length > max) {
            b.append("...");
        }
        return b.toString();
    }
}
