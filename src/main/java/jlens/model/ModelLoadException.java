package jlens.model;

/**
 * A model folder or file that cannot be loaded. The message is one line meant for the user: it names the
 * file (and the tensor key where there is one) and says what is wrong.
 */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
