package jlens.store;

/**
 * What the hub says about one file at one revision, from the headers of a HEAD request.
 *
 * @param commit the commit the revision resolved to ({@code X-Repo-Commit})
 * @param etag   {@code X-Linked-Etag} for LFS files (the SHA-256 of the content), else {@code ETag}; unquoted
 * @param size   {@code X-Linked-Size} or {@code Content-Length}, or -1 when not given
 * @param lfs    true when the file is stored in LFS (it then has a SHA-256 to verify against)
 */
record FileMeta(String commit, String etag, long size, boolean lfs) {

    /** The SHA-256 to verify the content against, or null when the etag is not one (small git files). */
    String sha256() {
        return SafeNames.isSha256(etag) ? etag : null;
    }
}
