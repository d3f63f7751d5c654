package jlens.repl;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;

/**
 * A REPL process for {@link HistoryMergeTest}: the real {@link Repl} on a dumb terminal over this process's standard
 * input and output, with the history file given as the argument and no model (the lines typed are unknown
 * commands, answered at once).
 */
public final class HistorySessionMain {
    private HistorySessionMain() {}

    public static void main(String[] args) throws Exception {
        try (Terminal t = new DumbTerminal("history", Terminal.TYPE_DUMB, System.in, System.out, StandardCharsets.UTF_8)) {
            Session s = new Session(new PrintWriter(t.writer(), true), (spec, session) -> {
                throw new UserError("no models in this test");
            });
            new Repl(t, s, Path.of(args[0])).run();
        }
        System.exit(0);
    }
}
