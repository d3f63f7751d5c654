package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The values an ablation writes, per layer: nothing for zeros, else the site's activation in the clean run
 * (averaged over positions, for mean) or in the corrupted run (for patching).
 */
final class AblationSource {
    private final AblationKind kind;
    private final NDArray[] activations; // per layer: [1, T, NH, HS] or [1, T, C]; null where not needed

    /**
     * @param clean the site's clean activations per layer (used by {@link AblationKind#MEAN})
     * @param corrupt the site's activations per layer on the corrupted text (used by {@link AblationKind#PATCH})
     */
    AblationSource(AblationKind kind, NDArray[] clean, NDArray[] corrupt) {
        this.kind = kind;
        this.activations = switch (kind) {
            case ZERO -> null;
            case MEAN -> clean;
            case PATCH -> corrupt;
        };
    }

    /** Whether runs must capture the clean site activations. */
    static boolean needsClean(AblationKind kind) {
        return kind == AblationKind.MEAN;
    }

    /**
     * Replacement values at {@code layer} for positions {@code from..to-1}: {@code [1, to-from, NH, HS]} or
     * {@code [1, to-from, C]}, or null for zeros; made in {@code into}.
     */
    NDArray window(int layer, int from, int to, NDManager into) {
        if (kind == AblationKind.ZERO) {
            return null;
        }
        NDArray a = activations[layer].reshape(activations[layer].getShape()); // [1, T, ...]
        a.attach(into); // a handle in `into`, so what is computed from it lands there too
        if (kind == AblationKind.PATCH) {
            return a.get(":, {}:{}", from, to); // [1, to-from, ...]
        }
        NDArray mean = a.mean(new int[] {1}, true); // [1, 1, ...]
        long[] shape = mean.getShape().getShape();
        shape[1] = to - from;
        return mean.broadcast(shape);
    }
}
