package jlens.store;

/**
 * One progress report for one file.
 *
 * @param file           the file's name ({@code model.safetensors})
 * @param bytesDone      bytes on disk so far, including what an earlier, interrupted try left
 * @param totalBytes     the file's size, or -1 when the server did not say
 * @param bytesPerSecond the rate of this try so far
 * @param done           true on the last report for this file (it is complete and verified)
 */
public record DownloadProgress(String file, long bytesDone, long totalBytes, double bytesPerSecond, boolean done) {

    /** 0..1, or -1 when the total is unknown. */
    public double fraction() {
        return totalBytes > 0 ? Math.min(1.0, (double) bytesDone / totalBytes) : -1;
    }

    /** Seconds left at the current rate, or -1 when unknown. */
    public long etaSeconds() {
        if (totalBytes <= 0 || bytesPerSecond <= 0) {
            return -1;
        }
        return (long) Math.ceil((totalBytes - bytesDone) / bytesPerSecond);
    }
}
