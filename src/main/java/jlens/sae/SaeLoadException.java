package jlens.sae;

/** An SAE folder or name that cannot be used, in one line that starts with the file (or name) and says what to do. */
public class SaeLoadException extends RuntimeException {
    public SaeLoadException(String message) {
        super(message);
    }

    public SaeLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
