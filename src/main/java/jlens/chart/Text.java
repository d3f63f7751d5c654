package jlens.chart;

import com.googlecode.lanterna.TerminalTextUtils;

/** Label helpers: make any string safe to print in one cell per character, and fit it to a width. */
final class Text {
    private Text() {}

    /**
     * Replaces what would break the grid: newlines and tabs become visible marks, other control characters,
     * double-width and surrogate characters become '?'. Tokens such as "\n      " stay recognisable.
     */
    static String clean(String s, Glyphs glyphs) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                out.append(glyphs.braille() ? "↵" : "\\n");
            } else if (c == '\t') {
                out.append(glyphs.braille() ? "→" : "\\t");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (Character.isISOControl(c) || Character.isSurrogate(c)
                    || TerminalTextUtils.isCharDoubleWidth(c) || (!glyphs.braille() && c > 126)) {
                out.append('?');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * A row or column label: {@link #clean}, without the spaces around it (GPT-2 tokens mostly start with
     * one, which would only shift the label); a label of spaces only stays visible as a middle dot.
     */
    static String label(String s, Glyphs glyphs) {
        String cleaned = clean(s, glyphs).strip();
        if (cleaned.isEmpty() && s != null && !s.isEmpty()) {
            return glyphs.braille() ? "·" : "_";
        }
        return cleaned;
    }

    /** {@code s} cut to {@code width} characters, with an ellipsis mark when cut. */
    static String fit(String s, int width, Glyphs glyphs) {
        if (width <= 0) {
            return "";
        }
        if (s.length() <= width) {
            return s;
        }
        return width == 1 ? s.substring(0, 1) : s.substring(0, width - 1) + glyphs.ellipsis();
    }
}
