package jlens.repl;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import jlens.model.ModelLoadException;
import jlens.sys.MemoryErrors;
import jlens.workspace.WorkspaceException;

/** Turns any failure into one line for the user; the stack trace only with {@code --debug}. */
final class Errors {
    private Errors() {}

    static UserError toUserError(Throwable e, boolean debug, PrintWriter out) {
        if (e instanceof UserError u) {
            return u;
        }
        if (e instanceof WorkspaceException w) {
            return new UserError(w.getMessage()); // says what to do: no stack trace, even with --debug
        }
        if (debug) {
            e.printStackTrace(out);
        }
        java.util.Optional<OutOfMemoryError> oom = MemoryErrors.find(e);
        if (oom.isPresent() && !(e instanceof ModelLoadException)) {
            return new UserError(MemoryErrors.describe(oom.get(), "") + "; or capture fewer hook points, or use a shorter text");
        }
        String message = firstLine(e.getMessage());
        if (e instanceof ModelLoadException || e.getClass() == IllegalArgumentException.class) {
            return new UserError(message);
        }
        if (e instanceof NoSuchFileException f) {
            return new UserError(f.getFile() + ": no such file or folder");
        }
        if (e instanceof AccessDeniedException f) {
            return new UserError(f.getFile() + ": permission denied");
        }
        if (e instanceof FileSystemException f) {
            return new UserError(f.getFile() + ": " + (f.getReason() == null ? "cannot access" : f.getReason()));
        }
        if (e instanceof IOException) {
            return new UserError("i/o error: " + message);
        }
        if (e instanceof StackOverflowError) {
            return new UserError("stack overflow: the computation recursed too deeply (a recursive Java method"
                    + " without an end, or an expression nested thousands deep); nothing else was changed");
        }
        if (e.getClass().getName().startsWith("jlens.") && message != null && !message.isBlank()) {
            return new UserError(message); // our own exception types carry user-facing messages
        }
        return new UserError("internal error: " + e.getClass().getSimpleName() + (message == null ? "" : ": " + message)
                + (debug ? "" : " (start with --debug to see the stack trace)"));
    }

    /**
     * Whether an interrupt (Ctrl-C's) is what ended {@code e}: blocking code (a wait, a channel) answers one with
     * its own exception, which then means "cancelled", not an internal error.
     */
    static boolean interrupted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException
                    || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    static String firstLine(String s) {
        if (s == null) {
            return null;
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
