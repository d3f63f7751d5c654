package jlens.analysis;

import jlens.hook.HookPoint;

/** Which per-head attention matrix: the scaled causal scores, or their softmax. */
public enum AttentionKind {
    /** {@code attn.hook_attn_scores}: {@code q k^T / sqrt(d_head)}, -inf above the diagonal. */
    SCORES(HookPoint.ATTN_SCORES),
    /** {@code attn.hook_pattern}: the row softmax of the scores, each row summing to 1. */
    PATTERN(HookPoint.PATTERN);

    private final String hookPoint;

    AttentionKind(String hookPoint) {
        this.hookPoint = hookPoint;
    }

    /** The block hook point it is read from. */
    public String hookPoint() {
        return hookPoint;
    }
}
