package jlens.repl;

import java.util.List;

/**
 * One REPL command: its name, how to write it, help text, how to complete its arguments, and what it does.
 * Commands are thin: they parse, call the Java API, and print.
 *
 * @param name      the word that starts the line
 * @param usage     the grammar, e.g. {@code hist [LAYER|all] [--pos0]}
 * @param summary   one line for {@code help}
 * @param help      the text for {@code help NAME}: what it does and examples
 * @param completer candidates for the next argument word
 * @param action    the work
 */
public record Command(String name, String usage, String summary, String help, ArgCompleter completer, Action action) {

    /** What a command does with the session and its arguments. */
    @FunctionalInterface
    public interface Action {
        void run(Session session, Args args) throws Exception;
    }

    /** Candidates for the next word, given the argument words before it. */
    @FunctionalInterface
    public interface ArgCompleter {
        List<String> candidates(Session session, List<String> before);

        ArgCompleter NONE = (s, before) -> List.of();
    }
}
