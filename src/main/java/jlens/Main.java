package jlens;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import jlens.bench.Bench;
import jlens.repl.Cli;

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
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
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
        return cli.execute(err);
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
