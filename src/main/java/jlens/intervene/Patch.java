package jlens.intervene;

import jlens.model.Gpt2;

/**
 * Activation patching: for each cell, the corrupted text's run with that one activation replaced by the clean
 * run's, measured by the spec's metric. The fast path by default, the naive loop (one full pass per cell) on
 * request; they agree to float rounding.
 *
 * <pre>{@code
 * Metric metric = Metric.logitDiff(mary, john, -1);
 * PatchResult r = Patch.run(model, new PatchSpec(clean, corrupt, PatchKind.RESID_PRE, metric), SweepOptions.patching());
 * double[][] grid = r.normalizedRows(); // [L][T]
 * }</pre>
 */
public final class Patch {
    private Patch() {}

    /**
     * @throws java.util.concurrent.CancellationException when cancelled (no partial result)
     * @throws IllegalArgumentException when the spec does not fit the model
     * @throws IllegalStateException when hooks are registered on the model: patching measures the model as it is
     */
    public static PatchResult run(Gpt2 model, PatchSpec spec, SweepOptions options) {
        check(model, spec);
        return options.naive() ? PatchNaive.run(model, spec, options) : PatchFast.run(model, spec, options);
    }

    /**
     * Attribution patching: every cell's first-order estimate from one forward and one backward pass of the
     * corrupted text (plus a pass of the clean one), in about the time of three forward passes whatever the grid.
     */
    public static PatchResult approximate(Gpt2 model, PatchSpec spec, SweepOptions options) {
        check(model, spec);
        return PatchApprox.run(model, spec, options);
    }

    public static PatchResult run(Gpt2 model, PatchSpec spec) {
        return run(model, spec, SweepOptions.patching());
    }

    private static void check(Gpt2 model, PatchSpec spec) {
        if (!model.hooks().isEmpty()) {
            // The fast path recomputes from private runs, where other hooks would not act the same way.
            throw new IllegalStateException("remove the hooks on " + model.hooks().names()
                    + " before patching: it measures the unhooked model");
        }
        if (spec.tokens() > model.config().nPositions()) {
            throw new IllegalArgumentException(spec.tokens() + " tokens are more than the model's context of "
                    + model.config().nPositions() + "; shorten the text");
        }
        long vocab = model.config().vocabSize();
        for (long[] ids : new long[][] {spec.clean(), spec.corrupt()}) {
            for (long id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (vocab - 1));
                }
            }
        }
        spec.metric().checkVocabulary(vocab);
    }
}
