package jlens.intervene.prompts;

import java.util.List;

/**
 * Prompts of mixed lengths laid out as one {@code [B, W]} batch (W the longest prompt), padded on one side. The
 * attention mask says which cells are real tokens; a real token's position id counts from its prompt's first
 * real token, so each prompt sees the positions it would see alone. Padding cells hold {@code padId} (any
 * valid id: they are never attended to by a real token).
 */
public record BatchInput(List<long[]> prompts, BatchPadding padding, long padId) {
    public BatchInput {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one prompt");
        }
        prompts = prompts.stream().map(long[]::clone).toList();
        for (int b = 0; b < prompts.size(); b++) {
            if (prompts.get(b).length == 0) {
                throw new IllegalArgumentException("prompt " + b + " of the batch has no tokens");
            }
        }
    }

    public int size() {
        return prompts.size();
    }

    /** W: the longest prompt's token count. */
    public int width() {
        return prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    }

    public int length(int b) {
        return prompts.get(b).length;
    }

    /** Whether any prompt is shorter than the batch. */
    public boolean padded() {
        int w = width();
        return prompts.stream().anyMatch(p -> p.length < w);
    }

    /** The column of prompt {@code b}'s token {@code i} (0 = its first real token). */
    public int column(int b, int i) {
        return padding == BatchPadding.LEFT ? width() - length(b) + i : i;
    }

    /** The column of prompt {@code b}'s last real token, where its next-token prediction is read. */
    public int lastColumn(int b) {
        return column(b, length(b) - 1);
    }

    /** Token ids {@code [B*W]}, row by row, padding included. */
    public long[] ids() {
        int w = width();
        long[] out = new long[size() * w];
        java.util.Arrays.fill(out, padId);
        for (int b = 0; b < size(); b++) {
            System.arraycopy(prompts.get(b), 0, out, b * w + column(b, 0), length(b));
        }
        return out;
    }

    /** Whether each cell {@code [B*W]} holds a real token: the attention mask. */
    public boolean[] mask() {
        int w = width();
        boolean[] out = new boolean[size() * w];
        for (int b = 0; b < size(); b++) {
            java.util.Arrays.fill(out, b * w + column(b, 0), b * w + column(b, 0) + length(b), true);
        }
        return out;
    }

    /**
     * Position ids {@code [B*W]} from the mask: the number of real tokens before each cell in its row (a
     * cumulative sum of the mask, minus one), 0 in the padding before a prompt, and counting on after it.
     */
    public long[] positions() {
        int w = width();
        boolean[] mask = mask();
        long[] out = new long[size() * w];
        for (int b = 0; b < size(); b++) {
            long seen = 0;
            for (int c = 0; c < w; c++) {
                out[b * w + c] = seen; // padding before a prompt: 0; after it: the next position
                if (mask[b * w + c]) {
                    seen++;
                }
            }
        }
        return out;
    }
}
