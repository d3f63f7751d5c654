package jlens.sys;

import java.util.Locale;
import java.util.Optional;

/**
 * Memory errors named as such, with the limit that was reached and the way to raise it: a library that wraps an
 * {@link OutOfMemoryError} in its own exception (Gson's "Failed parsing JSON source") must not make a full heap look
 * like a broken file.
 */
public final class MemoryErrors {
    private MemoryErrors() {}

    /** The {@link OutOfMemoryError} that {@code t} is or was caused by, if any. */
    public static Optional<OutOfMemoryError> find(Throwable t) {
        for (Throwable x = t; x != null; x = x.getCause() == x ? null : x.getCause()) {
            if (x instanceof OutOfMemoryError oom) {
                return Optional.of(oom);
            }
        }
        return Optional.empty();
    }

    /**
     * One line: "out of memory WHILE (...limit...); ...how to raise it". {@code doing} says what was under way
     * ("while reading tokenizer.json"), or is empty.
     */
    public static String describe(OutOfMemoryError e, String doing) {
        String what = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        String where = doing == null || doing.isEmpty() ? "" : " " + doing;
        if (what.contains("direct buffer")) {
            return "out of memory" + where + ": Java's direct buffer memory is used up; raise it with"
                    + " JLENS_JAVA_OPTS=-XX:MaxDirectMemorySize=4g";
        }
        if (what.contains("array size")) {
            return "out of memory" + where + ": one array would be larger than Java allows (2 GiB), whatever -Xmx says";
        }
        return "out of memory" + where + ": the Java heap's limit of " + bytes(Runtime.getRuntime().maxMemory())
                + " (-Xmx) is reached; start jlens with more, e.g. JLENS_JAVA_OPTS=-Xmx" + suggestion();
    }

    /** Twice the current limit in whole GiB (at least 2): a step that usually helps. */
    private static String suggestion() {
        long gib = Math.max(2, (Runtime.getRuntime().maxMemory() >> 30) * 2);
        return gib + "g";
    }

    static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%d MiB", b >> 20);
    }
}
