package jlens.intervene;

import java.util.List;

/**
 * One run to measure: token ids, the interventions on that run (besides the changes in force), and what is read from
 * it. Ablation sweeps, activation patching, resampling and mean ablation are lists of experiments; {@link Experiments}
 * runs a list on the fast path or, one full pass each, on the oracle.
 *
 * @param ids the run's token ids
 * @param interventions its own changes, applied in order after the changes in force (none: the plain run)
 * @param readout what is read
 */
public record Experiment(long[] ids, List<Intervention> interventions, Readout readout) {
    public Experiment {
        ids = ids.clone();
        interventions = List.copyOf(interventions);
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to run; give a text first");
        }
        readout.position(ids.length); // said before anything runs
    }

    /** The run of {@code ids} with no change of its own. */
    public static Experiment plain(long[] ids, Readout readout) {
        return new Experiment(ids, List.of(), readout);
    }
}
