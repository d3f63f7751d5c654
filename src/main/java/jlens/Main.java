package jlens;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import jlens.bench.Bench;
import jlens.repl.Cli;
import jlens.store.StoreEnv;
import jlens.sys.Environment;
import jlens.sys.MemoryErrors;
import jlens.sys.Temporaries;

/**
 * Command line entry point.
 *
 * <pre>
 * jlens [--model NAME|DIR] [--device auto|cpu|gpu] [--dtype f32|f16] [--color auto|always|never|MODE]
 *       [--debug] [-c LINE]... [FILE.jsh]...
 * jlens bench ARGS...
 * jlens jshell           (handled by the launcher script: a stock jshell with startup.jsh)
 * </pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length > 0 && args[0].equals("bench")) {
            return bench(Arrays.copyOfRange(args, 1, args.length));
        }
        PrintWriter err = Cli.errorWriter();
        Cli cli;
        try {
            cli = Cli.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jlens: " + e.getMessage());
            err.println("usage: " + Cli.USAGE);
            return 2;
        }
        if (cli.help()) {
            System.out.println("usage: " + Cli.USAGE);
            System.out.println(Cli.HELP);
            return 0;
        }
        startUp(err);
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> backgroundFailure(err, thread, e, cli.debug()));
        return cli.execute(err);
    }

    /**
     * Before anything else: every environment value checked (one line each for a bad one, which is then ignored), the
     * engine's thread count set from the valid one, and the temporaries that killed jlens processes left in the
     * folders jlens writes swept.
     */
    static void startUp(PrintWriter err) {
        for (String problem : Environment.atStart()) {
            err.println("jlens: " + problem);
        }
        StoreEnv store = StoreEnv.fromSystem();
        for (Path dir : List.of(Path.of("").toAbsolutePath(), store.jlensCache(), store.configDir(), store.home())) {
            Temporaries.sweep(dir);
        }
    }

    /**
     * A thread of jlens's or a library's that ends with an exception nobody caught (when the heap runs out, any
     * thread may be the one that asks for memory): one line, not the JVM's stack trace (with {@code --debug}, both).
     */
    static void backgroundFailure(PrintWriter err, Thread thread, Throwable e, boolean debug) {
        if (debug) {
            e.printStackTrace(err);
        }
        String where = "in the background (thread " + thread.getName() + ")";
        err.println("jlens: " + MemoryErrors.find(e).map(oom -> MemoryErrors.describe(oom, where))
                .orElse("internal error " + where + ": " + e.getClass().getSimpleName()
                        + (debug ? "" : " (start with --debug to see the stack trace)")));
    }

    /** {@code jlens bench}: the sweep benchmark. */
    private static int bench(String[] args) {
        try {
            Bench.main(args);
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("jlens bench: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            System.err.println("jlens bench: " + e.getMessage());
            return 1;
        }
    }
}
