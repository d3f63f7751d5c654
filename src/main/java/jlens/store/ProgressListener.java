package jlens.store;

/**
 * Receives download progress, at most about ten times a second per file plus a final report. Called on the
 * downloading thread: keep it quick.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = p -> {};

    void onProgress(DownloadProgress p);
}
