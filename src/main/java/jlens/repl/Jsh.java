package jlens.repl;

import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;

/**
 * The session JShell snippets see. Inside the jlens REPL it is the REPL's own session; in a stock
 * {@code jshell} started by {@code ./jlens jshell}, {@link #open()} makes one (see {@code startup.jsh}).
 */
public final class Jsh {
    private static volatile Session current;

    private Jsh() {}

    /** The current session; opens one with the default model if there is none. */
    public static Session session() {
        Session s = current;
        return s != null ? s : open();
    }

    /** The current session, or null: nothing is opened. */
    static Session current() {
        return current;
    }

    static void set(Session s) {
        current = s;
    }

    /**
     * Opens a session on the model named by {@code JLENS_MODEL} (or the default one), printing to standard
     * output, and makes it current.
     */
    public static synchronized Session open() {
        if (current != null) {
            return current;
        }
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        java.util.List<String> said = new java.util.ArrayList<>();
        Models.Options options = Models.Options.fromEnvironment(said);
        Session s = new Session(out, Models.source(options));
        said.forEach(line -> s.println("jlens: " + line));
        java.util.Optional<TerminalTraits> traits = TerminalTraits.decode(System.getenv("JLENS_TERMINAL"));
        if (traits.isPresent() && traits.get().terminal()) {
            // ./jlens jshell on a terminal: the colours, glyphs and background the REPL would find there (the
            // launcher asked before jshell started), and its size as it is now, read from the controlling terminal
            traits.get().applyTo(s);
            TerminalTraits.Size size = new TerminalTraits.Size();
            int fallback = columns(System.getenv("COLUMNS"));
            s.terminalWidth(() -> size.columns() > 0 ? size.columns() : fallback);
            s.terminalHeight(size::rows);
        } else {
            // no terminal known: wrap prose and size charts to COLUMNS, else 80, so words are not cut
            int columns = columns(System.getenv("COLUMNS"));
            s.terminalWidth(() -> columns);
        }
        try {
            Models.loadStartupModel(s, null, options);
            s.println(Banner.text(s, true));
        } catch (UserError e) {
            // the session opens anyway, without a model: jshell's start-up must not die on a wrong name
            s.println("jlens: " + e.getMessage() + "; jl(\"load NAME|DIR\") loads one");
        }
        current = s;
        return s;
    }

    static int columns(String env) {
        try {
            int c = env == null ? 80 : Integer.parseInt(env.strip());
            return c >= 40 && c <= 1000 ? c : 80;
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    /** Runs a REPL command line on the current session: {@code Jsh.run("hist 5")}. */
    public static void run(String line) {
        session().exec(line);
    }

    /**
     * Runs a REPL command line as the REPL would: a mistake is printed as its one line ({@code error: ...}), not
     * thrown, so jshell shows no stack trace. {@code jl(...)} in {@code startup.jsh} calls this.
     */
    public static void line(String line) {
        Session s = session();
        try {
            s.exec(line);
        } catch (RuntimeException | Error e) {
            s.println("error: " + Errors.toUserError(e, s.debug(), s.out()).getMessage());
        }
    }
}
