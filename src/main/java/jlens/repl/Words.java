package jlens.repl;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line into words: blanks separate words, double quotes group them and understand the
 * escapes {@code \n \t \" \\} (so the notebook's two-line text fits on one line), single quotes group
 * without escapes. A word that starts with {@code #} begins a comment to the end of the line
 * ({@code hist 5   # Q/K/V densities}), so lines copied from the README or a script run as they stand.
 */
final class Words {
    private Words() {}

    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '#' && !inWord) {
                break; // a comment to the end of the line
            }
            if (c == '"' || c == '\'') {
                int end = c == '"' ? readDoubleQuoted(line, i + 1, word) : readSingleQuoted(line, i + 1, word);
                inWord = true;
                i = end + 1;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            out.add(word.toString());
        }
        return out;
    }

    /** Reads up to the closing quote; returns its index. */
    private static int readDoubleQuoted(String line, int from, StringBuilder word) {
        for (int i = from; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                return i;
            }
            if (c == '\\' && i + 1 < line.length()) {
                char n = line.charAt(++i);
                switch (n) {
                    case 'n' -> word.append('\n');
                    case 't' -> word.append('\t');
                    case 'r' -> word.append('\r');
                    case '"' -> word.append('"');
                    case '\\' -> word.append('\\');
                    default -> word.append('\\').append(n);
                }
            } else {
                word.append(c);
            }
        }
        throw new UserError("unclosed double quote; end the text with \"");
    }

    private static int readSingleQuoted(String line, int from, StringBuilder word) {
        int end = line.indexOf('\'', from);
        if (end < 0) {
            throw new UserError("unclosed single quote; end the text with '");
        }
        word.append(line, from, end);
        return end;
    }

    /** Quotes a word for display so that {@link #split} reads it back as one word. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
