package jlens.workspace;

/** What was given cannot be used: a text the model cannot take, an unknown hook name, a value out of range. */
public final class InvalidInputException extends WorkspaceException {
    public InvalidInputException(String message) {
        super(message);
    }
}
