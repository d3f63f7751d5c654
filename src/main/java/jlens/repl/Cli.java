package jlens.repl;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The command line: options, then either the interactive REPL (a terminal and nothing to run) or script mode
 * ({@code -c} lines, {@code .jsh} files, or lines piped in).
 *
 * @param model  --model, or null for the default
 * @param device --device, or null for auto
 * @param dtype  --dtype, or null for f32
 * @param process --process: tl for TransformerLens's weight processing, or null for the checkpoint's own weights
 * @param color  --color: auto, always, never, or a mode (truecolor, 256, 16, mono)
 * @param debug  --debug: stack traces with errors
 * @param help   --help
 * @param quiet  --quiet: files run without showing their lines and comments
 * @param items  -c lines and files, in the order given
 */
public record Cli(String model, String device, String dtype, String process, String color, boolean debug, boolean help,
        boolean quiet, List<ScriptMode.Item> items) {
    public static final String USAGE = "jlens [--model NAME|DIR] [--device auto|cpu|gpu] [--dtype f32|f16] [--process tl] "
            + "[--color auto|always|never|truecolor|256|16|mono] [--debug] [--quiet] [-c LINE]... [FILE.jsh]...\n"
            + "       jlens jshell | jlens bench ARGS...";
    public static final String HELP = """
            Without files or -c, starts the interactive REPL ('help' there lists the commands).
            With files or -c lines, runs them in order without a terminal and exits: status 0 when every line
            succeeded, else 1 at the first failing line, reported as FILE:LINE: message on stderr.
            Each line of a file is shown before it runs, with the file's comments; --quiet shows only the output.
            Output without a terminal is plain text unless --color always (or a colour mode) is given.""";

    /** Standard error for jlens's own lines, escaped as the console is: a message may quote a file name or a value. */
    public static PrintWriter errorWriter() {
        return new PrintWriter(new TerminalSafeWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8)), true);
    }

    public static Cli parse(String[] args) {
        String model = null;
        String device = null;
        String dtype = null;
        String process = null;
        String color = "auto";
        boolean debug = false;
        boolean help = false;
        boolean quiet = false;
        List<ScriptMode.Item> items = new ArrayList<>();
        int lines = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--model", "-m" -> model = value(args, ++i, a);
                case "--device" -> device = value(args, ++i, a);
                case "--dtype" -> dtype = value(args, ++i, a);
                case "--process" -> process = value(args, ++i, a);
                case "--color", "--colour" -> color = value(args, ++i, a);
                case "--debug" -> debug = true;
                case "--help", "-h" -> help = true;
                case "--quiet", "-q" -> quiet = true;
                case "-c" -> items.add(new ScriptMode.LineItem(value(args, ++i, a), ++lines));
                default -> {
                    if (a.startsWith("--model=")) {
                        model = a.substring(8);
                    } else if (a.startsWith("-") && !a.equals("-")) {
                        throw new IllegalArgumentException("unknown option '" + a + "'");
                    } else {
                        items.add(new ScriptMode.FileItem(Path.of(a)));
                    }
                }
            }
        }
        return new Cli(model, device, dtype, process, color, debug, help, quiet, List.copyOf(items));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** Colour setting for a session: never and no-TTY mean mono, always means detect as if on a TTY. */
    String colorSetting(boolean tty) {
        return switch (color) {
            case "never", "none", "off" -> "mono";
            case "always" -> tty ? "auto" : "256";
            case "auto" -> tty ? "auto" : "mono";
            default -> color;
        };
    }

    /** Runs the REPL or the scripts; returns the exit status. */
    public int execute(PrintWriter err) {
        boolean interactive = items.isEmpty() && inputIsTerminal();
        Session session;
        try {
            Models.Options options = new Models.Options(device, dtype, process);
            options.loadOptions(); // check the words before anything is loaded
            PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
            session = new Session(out, Models.source(options));
            session.debug(debug);
            session.interpreter().echoScripts(!quiet);
            session.settings().set("color", colorSetting(interactive), 1);
        } catch (UserError e) {
            err.println("jlens: " + e.getMessage());
            return 2;
        }
        try (session) {
            session.interactive(interactive);
            session.workspace().modelChosen(model != null || (System.getenv("JLENS_MODEL") != null && !System.getenv("JLENS_MODEL").isBlank()));
            try {
                Models.loadStartupModel(session, model, new Models.Options(device, dtype, process));
            } catch (UserError e) {
                err.println("jlens: " + e.getMessage());
                if (!interactive) {
                    return 1;
                }
            }
            if (!interactive) {
                if (items.isEmpty()) {
                    return ScriptMode.runStream(session, System.in, "-", err);
                }
                return ScriptMode.run(session, items, err);
            }
            return interactive(session, err);
        } finally {
            err.flush();
        }
    }

    /** Whether JLine finds a description (terminfo, or its own) of terminal type {@code term}. */
    static boolean knownTerminal(String term) {
        try {
            return org.jline.utils.InfoCmp.getInfoCmp(term) != null;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Whether a person types at the input: the REPL runs then even when the output goes to a pipe
     * ({@code ./jlens | tee log}), where Java's System.console() is null.
     */
    private static boolean inputIsTerminal() {
        if (System.console() != null) {
            return true;
        }
        try {
            String target = java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** JLine reports through java.util.logging, with stack traces; its failures are ours to say in one line. */
    private static final java.util.logging.Logger JLINE_LOG = java.util.logging.Logger.getLogger("org.jline");

    private static int interactive(Session session, PrintWriter err) {
        JLINE_LOG.setLevel(java.util.logging.Level.OFF);
        TerminalBuilder builder = TerminalBuilder.builder().system(true).name("jlens").encoding(StandardCharsets.UTF_8)
                .nativeSignals(true);
        String term = System.getenv("TERM");
        if (term != null && !term.isBlank() && !term.startsWith("dumb") && !knownTerminal(term)) {
            // a terminal newer than this machine's terminfo: JLine would warn with a trace and guess
            err.println("jlens: no terminal description for TERM=" + jlens.chart.TerminalText.echo(term)
                    + " on this machine; using xterm-256color");
            builder.type("xterm-256color");
        }
        try (Terminal terminal = builder.build()) {
            new Repl(terminal, session, History.file(System.getenv())).run();
            return 0;
        } catch (IOException e) {
            err.println("jlens: cannot open the terminal: " + e.getMessage());
            return 1;
        }
    }
}
