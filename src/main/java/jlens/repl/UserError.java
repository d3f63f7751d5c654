package jlens.repl;

import jlens.sys.Secrets;

/**
 * A mistake the user can fix: the message is one line that says what was wrong and what to do instead. It is
 * printed as it is, never with a stack trace, and the command that threw it has changed nothing. A secret (the
 * token) in it is masked ({@link Secrets}).
 */
public final class UserError extends RuntimeException {
    /** Longest message printed whole; a longer one keeps its beginning and end around an ellipsis. */
    static final int MAX_LENGTH = 600;

    public UserError(String message) {
        super(printable(Secrets.redact(message)), null, false, false);
    }

    /**
     * Messages quote what the user typed, and a pasted escape sequence or NUL printed back raw would garble the
     * terminal (or split the line): control characters are shown as escapes instead.
     */
    static String printable(String message) {
        if (message != null && message.length() > MAX_LENGTH) {
            // a pasted megabyte quoted back whole would bury the line: keep its start and its advice at the end
            message = message.substring(0, MAX_LENGTH / 2) + " … " + message.substring(message.length() - MAX_LENGTH / 3);
        }
        if (message == null || message.codePoints().noneMatch(Character::isISOControl)) {
            return message;
        }
        StringBuilder b = new StringBuilder();
        message.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (Character.isISOControl(c)) {
                        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.toString();
    }
}
