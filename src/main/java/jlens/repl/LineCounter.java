package jlens.repl;

/** Counts the lines a command has printed (newlines, and a line begun), so charts can fit what is left. */
final class LineCounter {
    private int lines;
    private boolean open;

    void reset() {
        lines = 0;
        open = false;
    }

    void count(char[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (buf[i] == '\n') {
                lines++;
                open = false;
            } else {
                open = true;
            }
        }
    }

    /** Whether the last line printed has no newline yet (streamed text, a progress bar). */
    boolean midLine() {
        return open;
    }

    /** Lines printed, counting a line without its newline yet. */
    int lines() {
        return lines + (open ? 1 : 0);
    }
}
