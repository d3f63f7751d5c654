package jlens.corpus;

import jlens.analysis.AnalysisResult;

/** A corpus reduction's answer: its sums and what they were computed from, saved as .json/.csv/.npy and read back. */
public interface CorpusResult extends AnalysisResult {
    CorpusInfo info();

    /** The sums the answer follows from (what {@link CorpusResults} writes and reads). */
    CorpusSums<?> sums();
}
