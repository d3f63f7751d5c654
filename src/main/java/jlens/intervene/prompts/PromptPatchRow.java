package jlens.intervene.prompts;

/**
 * One prompt's part in patching over a set: its clean and corrupted metric (the grid's per-prompt cells are
 * summed into {@link PatchSums}, not kept).
 *
 * @param index the prompt's index in its set
 * @param line its line in the file (or index + 1)
 * @param tokens its token count
 * @param ownAnswer whether its metric was its own {@code answer - wrong} logit difference (else the session's)
 * @param mClean the metric of its clean run
 * @param mCorrupt the metric of its corrupted run
 * @param computed the cells run for it
 */
public record PromptPatchRow(int index, int line, int tokens, boolean ownAnswer, double mClean, double mCorrupt,
                             int computed) {}
