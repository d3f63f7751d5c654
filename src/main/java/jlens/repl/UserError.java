package jlens.repl;

/**
 * A mistake the user can fix: the message is one line that says what was wrong and what to do instead. It is
 * printed as it is, never with a stack trace, and the command that threw it has changed nothing.
 */
public final class UserError extends RuntimeException {
    public UserError(String message) {
        super(message, null, false, false);
    }
}
