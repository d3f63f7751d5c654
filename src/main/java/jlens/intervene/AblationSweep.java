package jlens.intervene;

import jlens.model.Gpt2;

/**
 * Runs ablation sweeps: the fast path by default, the naive loop (one full pass per case) on request.
 *
 * <pre>{@code
 * SweepSpec spec = SweepSpec.grid(model.config(), ids, -2);           // every layer x head, token -2
 * SweepResult r = AblationSweep.run(model, spec, SweepOptions.defaults()
 *         .withProgress((done, total) -> bar.show(done, total))
 *         .withCancel(ctrlC::get));
 * double[][] heat = r.byLayerAndHead();
 * }</pre>
 */
public final class AblationSweep {
    private AblationSweep() {}

    /**
     * @throws java.util.concurrent.CancellationException when cancelled (no partial result)
     * @throws IllegalArgumentException when the spec does not fit the model
     * @throws IllegalStateException when hooks are registered on the model: a sweep measures the model as it is
     */
    public static SweepResult run(Gpt2 model, SweepSpec spec, SweepOptions options) {
        check(model, spec);
        return options.naive() ? SweepNaive.run(model, spec, options) : SweepFast.run(model, spec, options);
    }

    public static SweepResult run(Gpt2 model, SweepSpec spec) {
        return run(model, spec, SweepOptions.defaults());
    }

    private static void check(Gpt2 model, SweepSpec spec) {
        if (!model.hooks().isEmpty()) {
            // The fast path recomputes from a private clean run, where other hooks would not act the same way.
            throw new IllegalStateException("remove the hooks on " + model.hooks().names()
                    + " before an ablation sweep: it measures the unhooked model");
        }
        int nLayer = model.config().nLayer();
        int nHead = model.config().nHead();
        for (AblationCase c : spec.cases()) {
            if (c.layer() >= nLayer) {
                throw new IllegalArgumentException("layer " + c.layer() + " is out of range: the model has layers 0.." + (nLayer - 1));
            }
            if (c.head() >= nHead) {
                throw new IllegalArgumentException("head " + c.head() + " is out of range: the model has heads 0.." + (nHead - 1));
            }
        }
        long vocab = model.config().vocabSize();
        if (spec.target() < 0 || spec.target() >= vocab) {
            throw new IllegalArgumentException("target token " + spec.target() + " is outside the vocabulary 0.." + (vocab - 1));
        }
    }
}
