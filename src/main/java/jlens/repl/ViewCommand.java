package jlens.repl;

import java.util.List;

/** {@code view}: the last chart full screen. */
final class ViewCommand {
    private ViewCommand() {}

    static Command command() {
        return new Command("view", "view", "show the last chart full screen (arrows: layers or heads, q: back)",
                """
                Opens the last chart on the whole terminal. The left and right arrow keys (or h/l, [ and ])
                move between layers or heads where the chart has several; q or Esc returns to the prompt.
                Needs a terminal (not in scripts).
                Example:
                  text "The cat sat on the mat. The cat sat on the mat."
                  hook layer all
                  run
                  hist all
                  view""",
                Command.ArgCompleter.NONE,
                (s, a) -> {
                    a.end();
                    Figure f = s.lastFigure();
                    if (f == null) {
                        throw new UserError("no chart to view yet; draw one first (hist, var, qkt, pattern, ablate, logprobs)");
                    }
                    s.viewer().show(f);
                });
    }

    static List<String> none() {
        return List.of();
    }
}
