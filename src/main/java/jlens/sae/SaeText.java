package jlens.sae;

/**
 * Text from an SAE folder made safe for a one-line message: control, format and unpaired surrogate characters become
 * {@code \\uXXXX}, and anything long is cut.
 */
final class SaeText {
    private static final int LIMIT = 80;

    private SaeText() {}

    /** A value from the file, quoted, escaped and cut short. */
    static String quote(String s) {
        return "'" + escape(s, LIMIT) + "'";
    }

    /** A library's message (Gson's, an I/O error's) as one escaped line, without Gson's advice to read leniently. */
    static String problem(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        String s = nl < 0 ? message : message.substring(0, nl);
        String advice = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept ";
        return escape(s.startsWith(advice) ? s.substring(advice.length()) : s, 200);
    }

    private static String escape(String s, int limit) {
        StringBuilder b = new StringBuilder();
        int count = 0;
        int i = 0;
        for (; i < s.length() && count < limit; i++, count++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT || Character.isSurrogate(c)
                    || Character.getType(c) == Character.LINE_SEPARATOR || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (i < s.length()) {
            b.append("...");
        }
        return b.toString();
    }
}
