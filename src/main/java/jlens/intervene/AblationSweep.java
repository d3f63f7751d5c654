package jlens.intervene;

import java.util.ArrayList;
import java.util.List;
import jlens.analysis.Metric;
import jlens.model.Gpt2;

/**
 * Ablation sweeps as experiments: for each case, the text's run with that one activation replaced (zeros, its mean
 * over positions, or another text's value), measured by the log-prob of the target; run by {@link Experiments} on the
 * fast path by default, on the oracle (one full pass per case) on request.
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

    /** The sweep's experiments: the clean run, then one per case in the spec's order. */
    public static List<Experiment> experiments(SweepSpec spec) {
        Readout logprob = Readout.of(Metric.logprob(spec.target(), spec.predictAt()));
        Value value = switch (spec.kind()) { // one value object for every case: one select per batch
            case ZERO -> Value.zero();
            case MEAN -> Value.meanOfRun(spec.ids());
            case PATCH -> Value.fromRun(spec.corruptIds());
        };
        List<Experiment> out = new ArrayList<>();
        out.add(Experiment.plain(spec.ids(), logprob));
        for (AblationCase c : spec.cases()) {
            Intervention i = new Intervention(spec.site().hookName(c.layer()), Cells.of(c.head(), c.position()), value);
            out.add(new Experiment(spec.ids(), List.of(i), logprob));
        }
        return out;
    }

    /**
     * @throws java.util.concurrent.CancellationException when cancelled (no partial result)
     * @throws IllegalArgumentException when the spec does not fit the model
     * @throws IllegalStateException when hooks are registered on the model: a sweep measures the model as it is
     */
    public static SweepResult run(Gpt2 model, SweepSpec spec, SweepOptions options) {
        return run(model, List.of(), spec, options);
    }

    /** As {@link #run(Gpt2, SweepSpec, SweepOptions)} with the changes {@code standing} in force in every run. */
    public static SweepResult run(Gpt2 model, List<Intervention> standing, SweepSpec spec, SweepOptions options) {
        check(model, spec);
        Experiments.Outcome o = Experiments.run(model, standing, experiments(spec), options);
        double clean = o.value(0);
        List<SweepRecord> records = new ArrayList<>();
        for (int i = 0; i < spec.cases().size(); i++) {
            AblationCase c = spec.cases().get(i);
            records.add(new SweepRecord(c.layer(), c.head(), c.position(), o.value(i + 1), clean));
        }
        return new SweepResult(spec, clean, records, o.naive(), o.seconds());
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
