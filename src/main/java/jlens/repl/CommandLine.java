package jlens.repl;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells command lines from Java lines. A line is a command when it starts with a command word followed by a
 * blank or the end, unless it reads as Java: {@code model.config()}, {@code text = "..."}, {@code var x = 1},
 * or a line ending in {@code ;}.
 */
final class CommandLine {
    private static final Pattern FIRST_WORD = Pattern.compile("([A-Za-z_][A-Za-z_0-9]*)(.*)", Pattern.DOTALL);
    private static final Pattern JAVA_VAR = Pattern.compile("[A-Za-z_$][A-Za-z_$0-9]*\\s*=.*", Pattern.DOTALL);

    private CommandLine() {}

    static boolean isCommand(String line, CommandRegistry commands) {
        String s = line.strip();
        Matcher m = FIRST_WORD.matcher(s);
        if (!m.matches() || commands.find(m.group(1)).isEmpty()) {
            return false;
        }
        String rest = m.group(2);
        if (rest.isEmpty()) {
            return true;
        }
        if (!Character.isWhitespace(rest.charAt(0))) {
            return false; // model.config(), run(), text="..."
        }
        String r = rest.strip();
        if ((r.startsWith("=") && !r.startsWith("==")) || s.endsWith(";")) {
            return false;
        }
        return !(m.group(1).equals("var") && JAVA_VAR.matcher(r).matches());
    }

    /** The first word of a line if it is a plain word (a would-be command), else null. */
    static String firstWord(String line) {
        Matcher m = FIRST_WORD.matcher(line.strip());
        return m.matches() ? m.group(1) : null;
    }

    /**
     * Whether a line that is not a command still reads as Java rather than as a mistyped command: it has
     * Java punctuation, or it is a single name (a JShell variable).
     */
    static boolean looksLikeJava(String line) {
        String s = line.strip();
        if (s.matches("[A-Za-z_$][A-Za-z_$0-9]*")) {
            return true;
        }
        for (char c : s.toCharArray()) {
            if ("=();{}.[]\"'+*/<>!&|%?:".indexOf(c) >= 0) {
                return true;
            }
        }
        return s.startsWith("import ") || s.startsWith("/");
    }
}
