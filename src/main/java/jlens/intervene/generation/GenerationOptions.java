package jlens.intervene.generation;

import java.util.List;
import java.util.function.BooleanSupplier;
import jlens.intervene.Intervention;

/**
 * What {@link Generator#generate} does: how many new tokens, how each is chosen, the interventions applied at
 * every step (besides the hooks registered on the model), who hears each token, and when to stop early.
 *
 * @param naive recompute the whole sequence for every new token instead of using the key/value cache: the
 *              test oracle, and a check a user can run (same tokens, much slower)
 */
public record GenerationOptions(int maxNewTokens, GenerationSampling sampling, List<Intervention> interventions,
                                GenerationListener listener, BooleanSupplier cancelled, boolean naive) {
    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("generate at least 1 new token, not " + maxNewTokens);
        }
        interventions = List.copyOf(interventions);
    }

    /** {@code n} greedy tokens, no interventions, no listener. */
    public static GenerationOptions greedy(int n) {
        return new GenerationOptions(n, GenerationSampling.greedy(), List.of(), GenerationListener.NONE, () -> false, false);
    }

    public GenerationOptions withSampling(GenerationSampling s) {
        return new GenerationOptions(maxNewTokens, s, interventions, listener, cancelled, naive);
    }

    public GenerationOptions withInterventions(List<Intervention> list) {
        return new GenerationOptions(maxNewTokens, sampling, list, listener, cancelled, naive);
    }

    public GenerationOptions withListener(GenerationListener l) {
        return new GenerationOptions(maxNewTokens, sampling, interventions, l, cancelled, naive);
    }

    public GenerationOptions withCancel(BooleanSupplier c) {
        return new GenerationOptions(maxNewTokens, sampling, interventions, listener, c, naive);
    }

    public GenerationOptions withNaive(boolean n) {
        return new GenerationOptions(maxNewTokens, sampling, interventions, listener, cancelled, n);
    }
}
