package jlens.workspace;

/**
 * A read-out of a run that would be computed from NaN or infinite values (a log-prob, a chosen token, an attribution):
 * refused, and said with where the run first went non-finite (ARCHITECTURE.md, "Non-finite values").
 */
public final class UndefinedResultException extends WorkspaceException {
    public UndefinedResultException(String message) {
        super(message);
    }
}
