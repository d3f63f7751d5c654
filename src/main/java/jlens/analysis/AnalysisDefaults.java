package jlens.analysis;

/** The seed notebook's choices, used where a caller gives none. */
public final class AnalysisDefaults {
    private AnalysisDefaults() {}

    /** First position analysed in demos 1 and 2: position 0 is left out, it acts as an attention sink. */
    public static final int FIRST_POSITION = 1;

    /** Bins of a Q/K/V density histogram, one layer over its own range or all layers on common edges. */
    public static final int QKV_BINS = 100;

    /** Common bin range [-QKV_RANGE, QKV_RANGE] of the all-layer Q/K/V histograms. */
    public static final double QKV_RANGE = 5.0;

    /** Bins of the per-layer QK^T and softmax density histograms (each over its layer's own range). */
    public static final int QKT_BINS = 20;

    /** Position whose prediction demo 3 reads: -2 predicts the text's last token. */
    public static final int LOGPROB_POSITION = -2;

    /** How many most likely next tokens a log-probability result lists. */
    public static final int TOP_K = 10;
}
