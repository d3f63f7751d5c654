package jlens.analysis;

import java.util.List;

/**
 * A logit lens read-out. Row {@code r} is {@code resid_pre} of layer {@code r} for r &lt; L, and the final residual
 * for r = L; every row went through the full final LayerNorm with its own statistics and the unembedding.
 *
 * @param position the read-out position (0-based)
 * @param target the followed token (by default the token after {@code position})
 * @param rows the hook names of the rows
 * @param logprobTarget per row, the target's log-prob at {@code position}
 * @param rankTarget per row, the target's rank: 1 plus how many tokens have a strictly larger logit (1: it is the top).
 *     Ranks count from 1 everywhere in jlens (logprobs' table, 'rank 1 of 50257'): the first is the most likely
 * @param top1Id per row, the most likely token at {@code position} (lowest id on ties)
 * @param top1Logprob per row, its log-prob
 * @param tableFrom the first position of the top-token table
 * @param tableTo its last position
 * @param top1IdTable [row][position], the most likely token at each position from..to (-1 elsewhere: not computed)
 * @param top1MarginTable [row][position], its logit minus the runner-up's (NaN where not computed)
 * @param finalRowMaxAbsDiff the conservation check: largest |last row's log-prob - the model's| over the vocabulary
 */
public record LogitLensResult(int position, long target, List<String> rows, double[] logprobTarget, int[] rankTarget,
                              int[] top1Id, double[] top1Logprob, int tableFrom, int tableTo, int[][] top1IdTable, double[][] top1MarginTable,
                              double finalRowMaxAbsDiff) implements AnalysisResult {
    public LogitLensResult {
        rows = List.copyOf(rows);
    }

    /** Whether the top-token table covers every position. */
    public boolean tableComplete() {
        return tableFrom == 0 && tableTo == top1IdTable[0].length - 1;
    }

    /** The target's log-prob per row, {@code [L+1]}, as {@code save FILE.npy} writes it. */
    @Override
    public NdData array() {
        return NdData.vector(logprobTarget);
    }

    /** Rows: L + 1. */
    @Override
    public int rowCount() {
        return rows.size();
    }

    @Override
    public List<String> columns() {
        return List.of("row", "hook", "logprob", "rank", "top1_id", "top1_logprob");
    }

    @Override
    public Object[] row(int i) {
        return new Object[] {i, rows.get(i), logprobTarget[i], rankTarget[i], top1Id[i], top1Logprob[i]};
    }
}
