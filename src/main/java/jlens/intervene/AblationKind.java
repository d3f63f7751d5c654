package jlens.intervene;

import java.util.Locale;

/** What replaces the ablated activation. */
public enum AblationKind {
    /** Zeros (the notebook's head knock-out). */
    ZERO,
    /** The clean run's mean over positions at the same layer (and head). */
    MEAN,
    /** The same activation from a run on another (corrupted) text of the same length: activation patching. */
    PATCH;

    public static AblationKind parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "zero", "zeros" -> ZERO;
            case "mean" -> MEAN;
            case "patch", "corrupt", "corrupted" -> PATCH;
            default -> throw new IllegalArgumentException("unknown ablation kind '" + text + "'; one of zero, mean, patch");
        };
    }
}
