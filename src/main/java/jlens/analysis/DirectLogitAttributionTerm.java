package jlens.analysis;

/**
 * One component's direct contribution to a logit.
 *
 * @param name {@code L5H1}, {@code MLP5}, {@code attn_bias5}, {@code embed} or {@code pos_embed}
 * @param layer its layer, or -1 for the embeddings
 * @param head its head, or -1
 * @param value its contribution
 */
public record DirectLogitAttributionTerm(String name, int layer, int head, double value) {}
