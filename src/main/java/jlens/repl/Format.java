package jlens.repl;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Number and shape formatting, locale-independent. */
final class Format {
    private Format() {}

    /** Six significant digits, as people read them. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v != 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e7)) {
            return String.format(Locale.ROOT, "%.5e", v);
        }
        String s = String.format(Locale.ROOT, "%.6g", v);
        if (s.contains(".") && !s.contains("e")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    static String shape(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        if (b < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
        }
        return String.format(Locale.ROOT, "%.2f GiB", b / 1073741824.0);
    }

    /**
     * A token piece made visible in a cell of its own: spaces as ·, newlines as ⏎, tabs as →, then escaped as
     * {@link jlens.chart.TerminalText} escapes it (a format character as �, a mark with nothing to sit on on ◌).
     */
    static String visible(String piece) {
        if (piece == null) {
            return "?";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            switch (c) {
                case ' ' -> b.append('\u00b7');
                case '\n' -> b.append('\u23ce');
                case '\t' -> b.append('\u2192');
                case '\r' -> b.append("\\r");
                default -> b.append(Character.isISOControl(c) ? String.format(Locale.ROOT, "\\x%02x", (int) c) : String.valueOf(c));
            }
        }
        return jlens.chart.TerminalText.escape(b.toString());
    }

    /** Wraps each line of {@code text} at spaces to {@code width} columns; continuation lines start with two spaces. */
    /**
     * Joins the lines of each prose paragraph of a help text (lines that start at the margin, until one ends
     * with ':'), so wrapping at a narrow terminal fills lines instead of leaving single words on their own;
     * indented lines (examples, key tables) stay as written.
     */
    static String reflow(String text) {
        StringBuilder out = new StringBuilder();
        boolean joinable = false;
        for (String line : text.split("\n", -1)) {
            boolean prose = !line.isEmpty() && !line.startsWith(" ");
            if (joinable && prose && !line.matches("Examples?:")) { // the examples' heading starts a line
                out.append(' ').append(line);
            } else {
                if (out.length() > 0) {
                    out.append('\n');
                }
                out.append(line);
            }
            joinable = prose && !line.endsWith(":");
        }
        return out.toString();
    }

    static String wrap(String text, int width) {
        if (width == Integer.MAX_VALUE || text.length() <= width) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (out.length() > 0) {
                out.append('\n');
            }
            String indent = line.startsWith("  ") ? line.substring(0, line.length() - line.stripLeading().length()) + "  " : "  ";
            String rest = line;
            boolean first = true;
            while (rest.codePointCount(0, rest.length()) > width) {
                int cut = rest.lastIndexOf(' ', width);
                if (cut <= indent.length()) {
                    cut = rest.indexOf(' ', width);
                    if (cut < 0) {
                        break;
                    }
                }
                out.append(rest, 0, cut).append('\n');
                rest = indent + rest.substring(cut + 1).stripLeading();
                first = false;
            }
            out.append(rest);
        }
        return out.toString();
    }
}
