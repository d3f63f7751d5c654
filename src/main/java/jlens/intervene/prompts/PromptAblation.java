package jlens.intervene.prompts;

/**
 * Mean ablation over a prompt set: head {@code head} of layer {@code layer} (its {@code hook_z} slice) replaced by
 * its mean over the set at each position (or at {@code position} only; -1 for every position), with the set's
 * scores before and after.
 */
public record PromptAblation(int layer, int head, int position, PromptScores clean, PromptScores ablated) {}
