package jlens.store;

/** Where a resolved model's files came from. */
public enum Source {
    /** A folder the user named. */
    LOCAL,
    /** Already in the Hugging Face cache (possibly put there by Python tools); no network used. */
    CACHE,
    /** Fetched from the hub just now, into the Hugging Face cache. */
    DOWNLOAD,
    /** The small demo model shipped inside jlens (random weights). */
    BUNDLED
}
