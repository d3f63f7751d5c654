package jlens.analysis;

/** The three thirds of the fused {@code c_attn} output, in the order they sit side by side. */
public enum QkvPart {
    Q, K, V;

    /** {@code q}, {@code k} or {@code v}: the CSV column and REPL word. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses {@code q}/{@code k}/{@code v} (any case). */
    public static QkvPart parse(String s) {
        for (QkvPart p : values()) {
            if (p.name().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("'" + s + "' is not one of q, k, v");
    }
}
