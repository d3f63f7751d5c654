package jlens.workspace;

/**
 * Something the workspace cannot do as asked. The message is one line that says what was wrong and what to do,
 * fit to show a user as it is (the REPL prints it without a stack trace).
 */
public class WorkspaceException extends RuntimeException {
    public WorkspaceException(String message) {
        super(message);
    }
}
