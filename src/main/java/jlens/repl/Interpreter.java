package jlens.repl;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * Runs input the way the prompt does: command lines go to the session, other lines to an embedded JShell
 * (made on first use). Also runs {@code .jsh} files line by line, stopping at the first failure with its file
 * and line.
 */
public final class Interpreter implements AutoCloseable {
    private final Session session;
    private JavaShell java;
    private final Deque<Path> sourcing = new ArrayDeque<>();
    private boolean echoValues = true; // jshell's "x ==> 5" at the prompt; files run quietly, as /open does
    private boolean echoScripts = true; // a file's comments and lines printed as they run (off: --quiet)

    public Interpreter(Session session) {
        this.session = session;
        session.interpreter(this);
    }

    public Session session() {
        return session;
    }

    /** Whether {@code text} so far is Java that needs more lines (the prompt then asks for them). */
    public boolean needsMoreLines(String text) {
        if (Session.isComment(text) || session.isCommand(text) || !CommandLine.looksLikeJava(text)) {
            return false;
        }
        return java().isIncomplete(text);
    }

    /** Runs a complete input: a command line or one or more Java snippets. */
    public void run(String input) {
        if (Session.isComment(input)) {
            return;
        }
        if (session.isCommand(input)) {
            session.exec(input);
            return;
        }
        String word = CommandLine.firstWord(input);
        if (!CommandLine.looksLikeJava(input)) {
            throw session.unknown(word == null ? input.strip() : word);
        }
        try {
            java().eval(input, echoValues);
        } catch (UserError e) {
            // A single unknown word is more likely a mistyped command than a Java variable.
            if (word != null && input.strip().equals(word) && e.getMessage().contains("cannot find symbol")) {
                throw session.unknown(word);
            }
            throw e;
        }
    }

    /**
     * Whether files print their comments and lines as they run them ({@code jlens> hist 5}), so an example teaches
     * in the terminal: on unless {@code --quiet}.
     */
    public void echoScripts(boolean on) {
        echoScripts = on;
    }

    public boolean echoScripts() {
        return echoScripts;
    }

    /** Runs a script file quietly or not (see {@link #echoScripts(boolean)}), as {@code source FILE [--quiet]}. */
    public void runFile(Path file, boolean quiet) {
        boolean before = echoScripts;
        echoScripts = before && !quiet; // a quiet file's own sources stay quiet
        try {
            runFile(file);
        } finally {
            echoScripts = before;
        }
    }

    /** Runs a script file; a failing line throws {@link ScriptFailure} naming the file and line. */
    public void runFile(Path file) {
        Path key = file.toAbsolutePath().normalize();
        if (sourcing.contains(key)) {
            throw new UserError(file + " sources itself (directly or through another file); remove the loop");
        }
        runLines(file, readScript(file));
    }

    /**
     * Runs a script's lines ({@code file} names them in errors; lines piped in are run as they are, with no file
     * written anywhere); a failing line throws {@link ScriptFailure} naming the file and line.
     */
    public void runLines(Path file, List<String> lines) {
        Path key = file.toAbsolutePath().normalize();
        sourcing.push(key);
        boolean echoBefore = echoValues;
        echoValues = false;
        try {
            StringBuilder pending = new StringBuilder();
            int pendingStart = 0;
            Echo echo = new Echo();
            for (int i = 0; i < lines.size() && !session.quitRequested(); i++) {
                String line = lines.get(i);
                if (pending.length() == 0) {
                    if (Session.isComment(line)) {
                        echo.comment(line);
                        continue;
                    }
                    pendingStart = i + 1;
                    if (needsMoreLines(line)) {
                        pending.append(line).append('\n');
                        continue;
                    }
                    echo.input(line);
                    runLocated(file, pendingStart, line);
                } else {
                    pending.append(line).append('\n');
                    if (!java().isIncomplete(pending.toString())) {
                        String snippet = pending.toString();
                        pending.setLength(0);
                        echo.input(snippet);
                        runLocated(file, pendingStart, snippet);
                    }
                }
            }
            if (pending.length() > 0) {
                throw new ScriptFailure(file, pendingStart, "incomplete Java at the end of the file (a brace or parenthesis is not closed)");
            }
        } finally {
            sourcing.pop();
            echoValues = echoBefore;
        }
    }

    /**
     * A file's lines as they run, when {@link #echoScripts} is on: comments as written, inputs after the prompt
     * (continuation lines after the continuation prompt), one blank line where the file has one or more between
     * them. Printed through the session's escaping writer: a file's text is not trusted.
     */
    private final class Echo {
        private boolean blank;
        private boolean printed;

        void comment(String line) {
            if (!echoScripts) {
                return;
            }
            if (line.isBlank()) {
                blank = printed;
                return;
            }
            print(line.stripTrailing());
        }

        void input(String text) {
            if (!echoScripts) {
                return;
            }
            String[] lines = text.stripTrailing().split("\n", -1);
            StringBuilder out = new StringBuilder(Repl.PROMPT).append(lines[0]);
            for (int i = 1; i < lines.length; i++) {
                out.append('\n').append(Repl.MORE).append(lines[i]);
            }
            print(out.toString());
        }

        private void print(String text) {
            if (blank) {
                session.out().println();
            }
            session.out().println(text);
            session.out().flush();
            blank = false;
            printed = true;
        }
    }

    private void runLocated(Path file, int line, String input) {
        try {
            run(input);
        } catch (ScriptFailure f) {
            throw f;
        } catch (CancellationException e) {
            throw new ScriptFailure(file, line, "cancelled");
        } catch (UserError e) {
            throw new ScriptFailure(file, line, e.getMessage());
        } catch (RuntimeException | Error e) { // every Error too: a script line must never end the process
            throw new ScriptFailure(file, line, Errors.toUserError(e, session.debug(), session.out()).getMessage());
        }
    }

    private static List<String> readScript(Path file) {
        if (Files.isDirectory(file)) {
            throw new UserError(file + " is a folder; give a .jsh file");
        }
        if (!Files.exists(file)) {
            throw new UserError(file + ": no such file");
        }
        if (!Files.isReadable(file)) {
            throw new UserError(file + ": permission denied");
        }
        if (!Files.isRegularFile(file)) {
            // a FIFO with no writer would block the REPL in open(), where Ctrl-C cannot reach it
            throw new UserError(file + " is not a regular file (a pipe or device); give a .jsh file");
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new UserError(file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private JavaShell java() {
        if (java == null) {
            java = new JavaShell(session);
        }
        return java;
    }

    /** Stops a running Java snippet (Ctrl-C). */
    public void stopJava() {
        if (java != null) {
            java.stop();
        }
    }

    @Override
    public void close() {
        if (java != null) {
            java.close();
            java = null;
        }
    }
}
