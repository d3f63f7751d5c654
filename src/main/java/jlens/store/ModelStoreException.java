package jlens.store;

import jlens.sys.Secrets;

/**
 * A model could not be found, fetched or trusted. The message is one line meant for the user and says what to do;
 * the REPL prints it as is, without a stack trace. A secret (the token) in it is masked ({@link Secrets}).
 */
public final class ModelStoreException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, so callers can react (the default-model chooser falls back on some of these). */
    public enum Kind {
        /** The spec is malformed or unsafe (a repo id that could escape the cache, odd characters). */
        INVALID_SPEC,
        /** A local folder that does not exist or lacks the files a GPT-2 needs. */
        LOCAL_FOLDER,
        /** Offline (HF_HUB_OFFLINE) and the model is not in the cache. */
        OFFLINE_NOT_CACHED,
        /** The hub could not be reached at all (DNS, refused, timeout, connection dropped). */
        NETWORK,
        /** 401 or 403: a token is missing or the licence was not accepted. */
        AUTH,
        /** 404: no such repository, revision or file. */
        NOT_FOUND,
        /** The repository has only pickle weights (pytorch_model.bin), which jlens never loads. */
        NO_SAFETENSORS,
        /** The downloaded bytes do not match the hub's SHA-256. */
        CHECKSUM,
        /** The disk filled up, or would have. */
        DISK_FULL,
        /** The user cancelled; the partial file is kept so the next try resumes. */
        CANCELLED,
        /** The hub answered something we cannot use (bad headers, unexpected status). */
        PROTOCOL,
        /** Reading or writing the cache failed for another reason. */
        IO
    }

    private final Kind kind;

    public ModelStoreException(Kind kind, String message) {
        super(Secrets.redact(message));
        this.kind = kind;
    }

    public ModelStoreException(Kind kind, String message, Throwable cause) {
        super(Secrets.redact(message), cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
