package jlens.analysis;

/** One head's detection score. */
public record HeadDetectScore(int layer, int head, double score) {
    @Override
    public String toString() {
        return layer + "." + head + " " + String.format(java.util.Locale.ROOT, "%.3f", score);
    }
}
