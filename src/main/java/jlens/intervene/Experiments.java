package jlens.intervene;

import java.util.ArrayList;
import java.util.List;
import jlens.model.Gpt2;

/**
 * Runs experiments: on the fast path by default, or (options' {@code naive}) on the oracle, one full forward pass
 * per experiment with its interventions as hooks, which is TransformerLens's loop. They agree to float rounding
 * for every kind of value at every hook point ({@code EngineOracleTest}).
 *
 * <p>The fast path ({@link FastPath}) does only the work that can differ from the plain run of the same text. An
 * experiment whose first change is at layer l and first changed position p changes nothing before layer l nor at
 * positions before p, and its read-out at q reads nothing after q: it becomes a row of a batch over positions p..q
 * that joins at layer l as a copy of the plain run's residual there, attends to the plain run's keys and values of
 * the positions before p, and rides in the same matrix products as the plain run itself (or, later batches, restarts
 * from its kept residuals). A change whose values are another run's, bit-identical to the plain run's in its cells
 * up to q, is that plain run exactly and is not run at all.
 *
 * <pre>{@code
 * Metric m = Metric.logitDiff(mary, john, -1);
 * List<Experiment> list = List.of(Experiment.plain(corrupt, Readout.of(m)),
 *         new Experiment(corrupt, List.of(new Intervention("blocks.3.hook_resid_pre", Cells.at(9), Value.fromRun(clean))),
 *                 Readout.of(m)));
 * Experiments.Outcome o = Experiments.run(model, list, SweepOptions.patching());
 * }</pre>
 */
public final class Experiments {
    private Experiments() {}

    /**
     * @param values per experiment, in order, the read-out's numbers
     * @param computed experiments run as rows of a batch (the others are provably a plain run: nothing of theirs
     *     reaches the read-out, or their values equal the plain run's); every one on the oracle
     * @param naive whether the oracle ran them
     * @param seconds wall time
     */
    public record Outcome(double[][] values, int computed, boolean naive, double seconds) {
        /** The first number experiment {@code i} read. */
        public double value(int i) {
            return values[i][0];
        }
    }

    /** Runs {@code list} with no changes in force. */
    public static Outcome run(Gpt2 model, List<Experiment> list, SweepOptions options) {
        return run(model, List.of(), list, options);
    }

    /**
     * Runs {@code list}, each experiment on top of {@code standing}, the changes in force (applied to every run,
     * the plain ones and those values are read from, before each experiment's own).
     *
     * @throws IllegalStateException when hooks are registered on the model: experiments measure the model as it is
     *     with the changes given, in runs of their own
     * @throws IllegalArgumentException when an experiment does not fit the model
     * @throws java.util.concurrent.CancellationException when cancelled (no partial result)
     */
    public static Outcome run(Gpt2 model, List<Intervention> standing, List<Experiment> list, SweepOptions options) {
        check(model, standing, list);
        return options.naive() ? NaivePath.run(model, standing, list, options) : FastPath.run(model, standing, list, options);
    }

    static void check(Gpt2 model, List<Intervention> standing, List<Experiment> list) {
        if (!model.hooks().isEmpty()) {
            // The fast path recomputes from runs of its own, where other hooks would not act the same way.
            throw new IllegalStateException("remove the hooks on " + model.hooks().names()
                    + " before running experiments: they measure the model without them");
        }
        for (Intervention i : standing) {
            i.check(model.config());
            if (i.value().needsRun()) {
                throw new IllegalArgumentException(i.describe() + ": a change in force takes a value of its own, not another run's");
            }
        }
        List<long[]> runs = new ArrayList<>();
        for (Experiment e : list) {
            runs.add(e.ids());
            for (Intervention i : e.interventions()) {
                i.check(model.config());
                if (i.value().needsRun()) {
                    runs.add(i.value().runIds());
                }
            }
        }
        long vocab = model.config().vocabSize();
        for (long[] ids : runs) {
            if (ids.length > model.config().nPositions()) {
                throw new IllegalArgumentException(ids.length + " tokens are more than the model's context of "
                        + model.config().nPositions() + "; shorten the text");
            }
            for (long id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (vocab - 1));
                }
            }
        }
    }
}
