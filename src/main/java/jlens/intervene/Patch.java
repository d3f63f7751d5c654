package jlens.intervene;

import java.util.ArrayList;
import java.util.List;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * Activation patching as experiments: for each cell, the corrupted text's run with that cell replaced by the clean
 * run's value ({@link Value.FromRun}), measured by the spec's metric; run by {@link Experiments} on the fast path by
 * default, on the oracle (one full pass per cell) on request; they agree to float rounding. Patching the other way
 * (the corrupted values into the clean run: noising) is the spec with its texts swapped, {@link PatchSpec#noising()}.
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
     * The grid's experiments: the clean run, the corrupted run, then one per cell (the grid's row-major order), the
     * corrupted run with that cell's clean values.
     */
    public static List<Experiment> experiments(Gpt2Config config, PatchSpec spec) {
        Readout metric = Readout.of(spec.metric());
        Value clean = Value.fromRun(spec.clean()); // one value object for every cell: one select per batch
        List<Experiment> out = new ArrayList<>();
        out.add(Experiment.plain(spec.clean(), metric));
        out.add(Experiment.plain(spec.corrupt(), metric));
        for (PatchCell c : spec.cells(config)) {
            Intervention patch = new Intervention(spec.kind().hookName(c.layer()), Cells.of(c.head(), c.position()), clean);
            out.add(new Experiment(spec.corrupt(), List.of(patch), metric));
        }
        return out;
    }

    /**
     * @throws java.util.concurrent.CancellationException when cancelled (no partial result)
     * @throws IllegalArgumentException when the spec does not fit the model
     * @throws IllegalStateException when hooks are registered on the model: patching measures the model as it is
     */
    public static PatchResult run(Gpt2 model, PatchSpec spec, SweepOptions options) {
        return run(model, List.of(), spec, options);
    }

    /** As {@link #run(Gpt2, PatchSpec, SweepOptions)} on the model with the changes {@code standing} in force in every run. */
    public static PatchResult run(Gpt2 model, List<Intervention> standing, PatchSpec spec, SweepOptions options) {
        check(model, spec);
        Experiments.Outcome o = Experiments.run(model, standing, experiments(model.config(), spec), options);
        int cells = o.values().length - 2;
        double[] raw = new double[cells];
        for (int i = 0; i < cells; i++) {
            raw[i] = o.value(i + 2);
        }
        return PatchResult.of(model.config(), spec, raw, o.value(0), o.value(1), o.naive() ? PatchMethod.NAIVE : PatchMethod.FAST,
                o.naive() ? cells : o.computed(), o.seconds());
    }

    public static PatchResult run(Gpt2 model, PatchSpec spec) {
        return run(model, spec, SweepOptions.patching());
    }

    /**
     * Attribution patching: every cell's first-order estimate ({@link Attribution}) from one forward and one backward
     * pass of the corrupted text (plus a pass of the clean one), in about the time of three forward passes whatever the
     * grid.
     */
    public static PatchResult approximate(Gpt2 model, PatchSpec spec, SweepOptions options) {
        return approximate(model, List.of(), spec, options);
    }

    public static PatchResult approximate(Gpt2 model, List<Intervention> standing, PatchSpec spec, SweepOptions options) {
        check(model, spec);
        long begin = System.nanoTime();
        List<Experiment> list = experiments(model.config(), spec);
        double[] estimates = Attribution.estimate(model, standing, list, options);
        double[] raw = java.util.Arrays.copyOfRange(estimates, 2, estimates.length);
        return PatchResult.of(model.config(), spec, raw, estimates[0], estimates[1], PatchMethod.APPROX, raw.length,
                (System.nanoTime() - begin) / 1e9);
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
