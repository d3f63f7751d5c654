package jlens.repl;

import java.nio.file.Path;

/**
 * A script line that failed: prints as {@code FILE:LINE: message}. A failure inside a sourced file keeps the
 * inner file's location, since that is the line to fix.
 */
public final class ScriptFailure extends RuntimeException {
    private final Path file;
    private final int line;

    ScriptFailure(Path file, int line, String message) {
        super(message, null, false, false);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    public int line() {
        return line;
    }

    /** {@code FILE:LINE: message}. */
    public String located() {
        return file + ":" + line + ": " + getMessage();
    }
}
