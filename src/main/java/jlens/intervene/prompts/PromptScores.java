package jlens.intervene.prompts;

import java.util.List;

/** A set's per-prompt scores (the table) and their sums (the means), from {@link PromptBatches#scores}. */
public record PromptScores(String source, boolean corrupt, List<PromptScore> rows, PromptScoreSums sums) {
    public PromptScores {
        rows = List.copyOf(rows);
    }
}
