package jlens.intervene.prompts;

/**
 * One prompt of a set, with what an IOI-style analysis needs: its text, optionally a corrupted text of the same
 * token count (for patching), the expected next token ({@code answer}) and a wrong one ({@code wrong}), each one
 * token. Strings come from a user's file: escape them before printing.
 *
 * @param line the line of the file it came from (1-based), or its index + 1 for generated sets
 * @param corrupt null when absent, likewise {@code answer} and {@code wrong}; the ids are then empty or -1
 */
public record Prompt(int line, String text, String corrupt, String answer, String wrong, long[] ids, long[] corruptIds,
                     long answerId, long wrongId) {
    public Prompt {
        ids = ids.clone();
        corruptIds = corruptIds == null ? new long[0] : corruptIds.clone();
    }

    public boolean hasCorrupt() {
        return corrupt != null;
    }

    public boolean hasAnswer() {
        return answer != null;
    }

    public boolean hasWrong() {
        return wrong != null;
    }

    public int length() {
        return ids.length;
    }
}
