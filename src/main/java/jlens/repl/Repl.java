package jlens.repl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;

/**
 * The interactive loop on a JLine terminal: prompt, completion, history, and each input run on a worker
 * thread so that Ctrl-C can cancel it while the prompt thread stays alive.
 */
public final class Repl {
    static final String PROMPT = "jlens> ";
    static final String MORE = "  ...> ";

    private final Terminal terminal;
    private final Session session;
    private final Interpreter interpreter;
    private final LineReader reader;
    private final boolean firstStart; // no history yet: a newcomer, who gets the start screen
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jlens-command");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param history the history file, or null for none
     */
    public Repl(Terminal terminal, Session session, Path history) {
        this.terminal = terminal;
        this.session = session;
        this.interpreter = session.interpreter();
        session.out(terminal.writer());
        session.terminalWidth(() -> terminal.getWidth());
        session.terminalHeight(() -> terminal.getHeight());
        session.viewer(new FullScreenViewer(terminal, session));
        TerminalTraits.of(terminal).applyTo(session); // as ./jlens jshell finds them (TerminalTraits.main)
        DefaultParser parser = new DefaultParser();
        parser.setEscapeChars(new char[0]); // backslashes belong to the text ("\n") and to Java, not to the parser
        this.firstStart = history != null && !java.nio.file.Files.exists(history, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (history != null) {
            java.util.Optional<String> problem = History.problem(history);
            if (problem.isPresent()) {
                session.println("history off: " + problem.get() + " (jlens starts without it and leaves it alone)");
                history = null;
            }
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put(LineReader.HISTORY_SIZE, 2000);
        variables.put(LineReader.HISTORY_FILE_SIZE, 5000);
        if (history != null) {
            variables.put(LineReader.HISTORY_FILE, history);
        }
        LineReaderImpl r = new TypeaheadLineReader(terminal, "jlens", variables);
        r.setParser(parser);
        r.setCompleter(new ReplCompleter(session));
        r.option(LineReader.Option.DISABLE_EVENT_EXPANSION, true);
        r.option(LineReader.Option.HISTORY_IGNORE_DUPS, true);
        r.option(LineReader.Option.AUTO_FRESH_LINE, true);
        if (history != null) {
            // After each input this session's new lines are merged into the file under a lock and the file is
            // renamed into place (see AtomicHistory): sessions append, nothing is lost or half-written.
            r.setHistory(new AtomicHistory(history));
            r.option(LineReader.Option.HISTORY_INCREMENTAL, false);
        } else {
            r.setHistory(new org.jline.reader.impl.history.DefaultHistory());
        }
        this.reader = r;
    }

    /** Runs until {@code quit} or Ctrl-D. */
    public void run() {
        session.println(Banner.text(session));
        if (firstStart) {
            session.println(Format.reflow(HelpTopics.start(session)));
        }
        terminal.flush();
        while (!session.quitRequested()) {
            String input;
            try {
                input = readInput();
            } catch (UserInterruptException e) {
                continue; // Ctrl-C at the prompt clears the line
            } catch (EndOfFileException e) {
                break;
            }
            if (input == null) {
                continue;
            }
            if (session.tour().active() && (input.isBlank() || input.strip().equalsIgnoreCase("q"))) {
                input = input.isBlank() ? "tour next" : "tour stop"; // Enter: the next step; q: leave the tour
            } else if (input.isBlank()) {
                continue;
            }
            try {
                execute(input);
            } catch (RuntimeException | Error e) { // the REPL's edge: nothing a line does may end the session
                report(e);
            }
            saveHistory();
        }
        saveHistory();
        terminal.flush();
        worker.shutdownNow();
    }

    private boolean historyWarned;

    private void saveHistory() {
        if (reader.getVariable(LineReader.HISTORY_FILE) == null) {
            return;
        }
        try {
            reader.getHistory().save();
        } catch (IOException e) {
            if (!historyWarned) { // once: a read-only home should not nag after every command
                session.println("history not saved: " + e.getMessage());
                historyWarned = true;
            }
        }
    }

    /** The prompt: {@code tour> } while a tour is under way (Enter then runs its next step). */
    static String prompt(Session s) {
        return s.tour().active() ? Tour.PROMPT : PROMPT;
    }

    /** A line, or several when Java is not complete yet (an open brace). */
    private String readInput() {
        String first = reader.readLine(prompt(session));
        if (first == null) {
            return null;
        }
        StringBuilder text = new StringBuilder(first);
        while (safeNeedsMore(text.toString())) {
            text.append('\n').append(reader.readLine(MORE));
        }
        return text.toString();
    }

    private boolean safeNeedsMore(String text) {
        try {
            return interpreter.needsMoreLines(text);
        } catch (RuntimeException | Error e) {
            return false; // run it as it is: running it says what is wrong, in one line
        }
    }

    /** Runs one input on the worker thread; Ctrl-C interrupts it and the session's cancel flag stops it. */
    void execute(String input) {
        session.clearCancel();
        AtomicReference<Thread> running = new AtomicReference<>();
        Future<?> job = worker.submit(() -> {
            running.set(Thread.currentThread());
            try {
                interpreter.run(input);
            } finally {
                running.set(null);
                Thread.interrupted(); // the worker thread serves the next command with a clean flag
            }
        });
        java.util.concurrent.atomic.AtomicInteger presses = new java.util.concurrent.atomic.AtomicInteger();
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, signal -> {
            showInterrupt();
            session.cancel();
            interpreter.stopJava();
            Thread t = running.get();
            if (t != null) {
                if (presses.incrementAndGet() == 1) {
                    t.interrupt(); // jlens's own loops check the cancel flag; blocking calls answer the interrupt
                } else {
                    stopHard(t);
                }
            }
        });
        try {
            job.get();
        } catch (ExecutionException e) {
            report(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
            session.out().flush();
            terminal.flush();
        }
    }

    /**
     * {@code ^C} on a line of its own, after whatever the command was printing. A terminal that echoes control
     * characters has already written it where the cursor was (inside streamed text, say): it is rubbed out there
     * and written again on a line of its own. (The echo is not switched off while a command runs: changing the
     * terminal's modes then raced with the viewer's own.)
     */
    private void showInterrupt() {
        java.io.PrintWriter raw = session.rawOut();
        synchronized (raw) {
            boolean midLine = session.midLine();
            if (echoesControlCharacters()) {
                raw.print(midLine ? "\b\b  \n^C\n" : "\n");
            } else {
                raw.print(midLine ? "\n^C\n" : "^C\n");
            }
            raw.flush();
        }
    }

    /** Whether the terminal itself shows a typed Ctrl-C as ^C (a real terminal in its usual modes). */
    private boolean echoesControlCharacters() {
        if (terminal.getType() == null || terminal.getType().startsWith(Terminal.TYPE_DUMB)) {
            return false;
        }
        try {
            org.jline.terminal.Attributes a = terminal.getAttributes();
            return a != null && a.getLocalFlag(org.jline.terminal.Attributes.LocalFlag.ECHO)
                    && a.getLocalFlag(org.jline.terminal.Attributes.LocalFlag.ECHOCTL)
                    && a.getLocalFlag(org.jline.terminal.Attributes.LocalFlag.ISIG);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The second Ctrl-C on a command that did not stop at the first: a Java hook that loops forever (on this
     * thread, called from the forward pass) checks no flag and ignores interrupts. It is stopped as JShell stops
     * a snippet, with {@code Thread.stop}: a ThreadDeath thrown where it runs, which unwinds the pass and its
     * scopes (the NDArray managers close in their finally blocks). The worker thread is replaced.
     */
    @SuppressWarnings({"deprecation", "removal"})
    private void stopHard(Thread t) {
        session.rawOut().println();
        session.rawOut().println("stopping the command (second Ctrl-C)");
        session.rawOut().flush();
        t.stop();
    }

    private void report(Throwable e) {
        if (e instanceof CancellationException || e instanceof ThreadDeath) {
            session.println("cancelled");
        } else if (e instanceof ScriptFailure f) {
            session.println("error: " + f.located());
        } else {
            session.println("error: " + Errors.toUserError(e, session.debug(), session.out()).getMessage());
        }
    }

    LineReader reader() {
        return reader;
    }
}
