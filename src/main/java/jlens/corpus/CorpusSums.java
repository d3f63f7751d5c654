package jlens.corpus;

import java.io.Serializable;

/**
 * What a corpus reduction keeps: sums (and counts, extremes, bounded heaps) from which its answer follows, never the
 * activations. {@link #plus} is associative and commutative and the task's empty value is its identity, so the
 * sums of any split of a corpus add up to the sums of the whole (to float64 rounding): parts reduced in one process,
 * in batches, or on a cluster's executors merge into the same answer.
 */
public interface CorpusSums<S extends CorpusSums<S>> extends Serializable {
    S plus(S other);
}
