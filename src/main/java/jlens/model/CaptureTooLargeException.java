package jlens.model;

import java.util.Locale;

/** A capture refused before the pass because it would take more memory than the budget allows. */
public class CaptureTooLargeException extends IllegalArgumentException {
    private final long bytes;
    private final long budget;

    public CaptureTooLargeException(int hookPoints, int tokens, long bytes, long budget) {
        super(String.format(Locale.ROOT, "capturing %d hook points for %d tokens needs %s, over the %s capture budget; "
                        + "hook fewer points or fewer layers, shorten the text, or raise the budget ('set budget 8g')",
                hookPoints, tokens, human(bytes), human(budget)));
        this.bytes = bytes;
        this.budget = budget;
    }

    public long bytes() {
        return bytes;
    }

    public long budget() {
        return budget;
    }

    /** Bytes in the largest unit that keeps the number at least 1 (binary units). */
    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
