package jlens.repl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import jlens.chart.TerminalText;

/**
 * Runs {@code -c} lines and {@code .jsh} files without a terminal, in order, and stops at the first failing
 * line, reporting it on the error stream as {@code FILE:LINE: message}.
 */
public final class ScriptMode {
    /** One thing to run: a file, or a {@code -c} line (with its position among the {@code -c} lines). */
    public sealed interface Item permits FileItem, LineItem {}

    public record FileItem(Path file) implements Item {}

    public record LineItem(String line, int index) implements Item {}

    private ScriptMode() {}

    /** @return the exit status: 0 when every line succeeded, 1 at the first failure */
    public static int run(Session session, List<Item> items, PrintWriter err) {
        Interpreter interpreter = session.interpreter();
        for (Item item : items) {
            if (session.quitRequested()) {
                break;
            }
            try {
                if (item instanceof FileItem f) {
                    interpreter.runFile(f.file());
                } else if (item instanceof LineItem l) {
                    try {
                        interpreter.run(l.line());
                    } catch (UserError | CancellationException e) {
                        throw new ScriptFailure(Path.of("-c"), l.index(), e instanceof CancellationException ? "cancelled" : e.getMessage());
                    } catch (RuntimeException | Error e) {
                        throw new ScriptFailure(Path.of("-c"), l.index(),
                                Errors.toUserError(e, session.debug(), session.out()).getMessage());
                    }
                }
            } catch (ScriptFailure f) {
                session.out().flush();
                err.println(TerminalText.escape(f.located()));
                err.flush();
                return 1;
            } catch (RuntimeException | Error e) { // every Error too: a script must end with its line, not a trace
                session.out().flush();
                String where = item instanceof FileItem f ? f.file().toString() : "-c";
                err.println(TerminalText.escape(where + ":0: " + Errors.toUserError(e, session.debug(), session.out()).getMessage()));
                err.flush();
                return 1;
            } finally {
                session.out().flush();
            }
        }
        return 0;
    }

    /** Runs lines read from a stream (a pipe into jlens) as a script named {@code name}. */
    public static int runStream(Session session, InputStream in, String name, PrintWriter err) {
        try {
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            }
            try {
                session.interpreter().runLines(java.nio.file.Path.of(name), lines);
                return 0;
            } catch (ScriptFailure f) {
                session.out().flush();
                err.println(name + ":" + f.line() + ": " + f.getMessage());
                err.flush();
                return 1;
            } finally {
                session.out().flush();
            }
        } catch (IOException e) {
            err.println(name + ": cannot read: " + e.getMessage());
            return 1;
        }
    }
}
