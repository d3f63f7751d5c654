package jlens.corpus;

import java.io.Serializable;

/**
 * A reduction's sums over part of a corpus, with the counts of what they cover; parts add with {@link #plus} (the
 * counts add, the sums by their own {@code plus}), in any grouping, to the whole.
 */
public record CorpusPart<S extends CorpusSums<S>>(S sums, long documents, long skipped, long windows, boolean complete)
        implements Serializable {
    public CorpusPart<S> plus(CorpusPart<S> other) {
        return new CorpusPart<>(sums.plus(other.sums), documents + other.documents, skipped + other.skipped,
                windows + other.windows, complete && other.complete);
    }
}
