package jlens.analysis;

/**
 * Argument checks shared by the analyses. Each failure is an {@link IllegalArgumentException} whose message says
 * the valid range, since it is shown to a REPL user as it is.
 */
public final class Checks {
    private Checks() {}

    /** A layer index, negative counting from the end ({@code -1} is the last layer); returns it in 0..nLayer-1. */
    public static int layer(int layer, int nLayer) {
        int resolved = layer < 0 ? nLayer + layer : layer;
        if (resolved < 0 || resolved >= nLayer) {
            throw new IllegalArgumentException("layer " + layer + " is out of range: the model has layers 0.."
                    + (nLayer - 1) + " (or -" + nLayer + "..-1)");
        }
        return resolved;
    }

    /** A head index in 0..nHead-1. */
    public static int head(int head, int nHead) {
        if (head < 0 || head >= nHead) {
            throw new IllegalArgumentException("head " + head + " is out of range: the model has heads 0.." + (nHead - 1));
        }
        return head;
    }

    /** A token position, negative counting from the end ({@code -1} is the last token); returns it in 0..t-1. */
    public static int position(int position, int t) {
        int resolved = position < 0 ? t + position : position;
        if (resolved < 0 || resolved >= t) {
            throw new IllegalArgumentException("position " + position + " is out of range: the text has " + t
                    + " tokens, positions 0.." + (t - 1) + " (or -" + t + "..-1)");
        }
        return resolved;
    }

    /**
     * The first position of a range that runs to the last token: 0 includes the first token, 1 (the notebook's
     * choice) leaves it out. At least one position must remain.
     */
    public static int firstPosition(int first, int t) {
        if (first < 0 || first >= t) {
            String hint = t == 1 && first == 1
                    ? " (leaving out position 0 leaves nothing of a 1-token text: include position 0 or give a longer text)"
                    : "";
            throw new IllegalArgumentException("first position " + first + " is out of range: the text has " + t
                    + " tokens, so it must be in 0.." + (t - 1) + hint);
        }
        return first;
    }

    /** A bin count of at least 1. */
    public static int bins(int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be at least 1, not " + bins);
        }
        return bins;
    }

    /** A finite bin range with lo < hi. */
    public static void range(double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(lo < hi)) {
            throw new IllegalArgumentException("bin range [" + lo + ", " + hi
                    + "] is not valid: give finite bounds with lo < hi, like -5 5");
        }
    }

    /** A count of at least 0 and at most {@code max}. */
    public static int count(String what, int n, int max) {
        if (n < 0 || n > max) {
            throw new IllegalArgumentException(what + " " + n + " is out of range: 0.." + max);
        }
        return n;
    }
}
