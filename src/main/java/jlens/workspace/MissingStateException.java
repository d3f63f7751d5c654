package jlens.workspace;

/** A step is missing before this one: no model loaded, no text given, nothing run, or a hook point not captured. */
public final class MissingStateException extends WorkspaceException {
    public MissingStateException(String message) {
        super(message);
    }
}
