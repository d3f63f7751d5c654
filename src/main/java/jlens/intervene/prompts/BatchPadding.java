package jlens.intervene.prompts;

/** Where a batch's shorter prompts get their padding. */
public enum BatchPadding {
    /**
     * Padding before each prompt: every prompt ends in the last column, so the next-token prediction of every
     * prompt is read from the same place. Needs position ids from the mask and masked keys.
     */
    LEFT,
    /**
     * Padding after each prompt: every prompt starts in column 0, so positions are already right and causal
     * attention never lets a real token see the padding after it.
     */
    RIGHT
}
