package jlens.intervene;

/** How a patching grid was computed. */
public enum PatchMethod {
    /** The fast path: exact, reusing the corrupted run and batching cells. */
    FAST,
    /** One full forward pass per cell through the model's hooks: exact, the oracle. */
    NAIVE,
    /**
     * Attribution patching: a first-order estimate from one forward and one backward pass of the corrupted text,
     * {@code (clean - corrupt) . d metric / d activation} per cell.
     */
    APPROX
}
