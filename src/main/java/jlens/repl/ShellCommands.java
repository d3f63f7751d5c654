package jlens.repl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code help}, {@code set}, {@code source} and {@code quit}: the shell itself. */
final class ShellCommands {
    private ShellCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("help", "help [COMMAND|start|workflow]", "list the commands, or explain one with examples",
                        """
                        Without an argument, lists every command with a one-line summary. 'help NAME' shows how
                        to write the command, what it does, and examples. 'help start' shows the start screen
                        (the bundled known-answer model, and the tour); 'help workflow' the commands from a text
                        to a circuit, in order.
                        Examples:
                          help
                          help ablate
                          help workflow""",
                        (s, before) -> {
                            if (!before.isEmpty()) {
                                return List.of();
                            }
                            List<String> words = new ArrayList<>(s.commands().all().stream().map(Command::name).toList());
                            HelpTopics.TOPICS.forEach(t -> words.add(t.name()));
                            return words;
                        },
                        ShellCommands::help),
                new Command("set", "set [KEY VALUE]",
                        "show or change settings: width, height, color, background, glyphs, bins, ...",
                        """
                        Without arguments, lists the settings. Keys:
                          width       chart width in columns, or auto (the terminal's width)
                          height      chart rows, or auto (default): what the terminal has left
                                      under the command line; 20 rows without a terminal
                          color       auto, truecolor, 256, 16 or mono
                          background  auto (asks the terminal, else dark), dark or light:
                                      lines and dots keep 3:1 contrast against it
                          glyphs      auto, unicode or ascii (auto: ascii unless UTF-8)
                          bins        histogram bins for one layer (the notebook uses 100)
                          pos0        on keeps position 0 in demos 1 and 2 (off by default,
                                      as in the notebook: an attention sink)
                          layer       the layer commands use when none is given
                          budget      the most memory one run may capture (512M, 4G)
                        Examples:
                          set color mono
                          set background light
                          set height 40""",
                        (s, before) -> before.isEmpty() ? Settings.KEYS : before.size() == 1 ? Settings.valuesFor(before.get(0)) : List.of(),
                        ShellCommands::set),
                new Command("source", "source FILE [--quiet]", "run the lines of a .jsh file (commands and Java) here",
                        """
                        Runs a script in this session, line by line: commands and Java, as if typed. Each line is
                        shown before it runs (jlens> hist 5), and so are the file's comments, which say what to
                        look for; --quiet shows only the output. It stops at the first failing line and names it
                        (FILE:LINE). A file may source others, not itself.
                        Examples:
                          source examples/induction.jsh""",
                        (s, before) -> before.isEmpty() ? List.of(Completions.FILES) : before.size() == 1 ? List.of("--quiet") : List.of(),
                        (s, a) -> {
                            boolean quiet = a.flag("--quiet");
                            String file = a.next("a file");
                            a.end();
                            try {
                                s.interpreter().runFile(Path.of(file), quiet);
                            } catch (ScriptFailure f) {
                                throw new UserError(f.located());
                            }
                        }),
                new Command("quit", "quit", "leave jlens (Ctrl-D does too)",
                        """
                        Leaves the REPL; in a script, stops it successfully.
                        Example:
                          quit""",
                        Command.ArgCompleter.NONE,
                        (s, a) -> {
                            a.end();
                            s.requestQuit();
                        }));
    }

    private static void help(Session s, Args a) {
        if (a.hasNext()) {
            String name = a.next("a command");
            a.end();
            java.util.Optional<HelpTopics.Topic> topic = HelpTopics.find(name);
            if (topic.isPresent() && s.commands().find(name).isEmpty()) {
                s.println(Format.reflow(HelpTopics.text(topic.get(), s).strip()));
                return;
            }
            Command c = s.commands().find(name).orElseThrow(() -> s.unknown(name));
            s.println("usage: " + c.usage());
            s.println(c.summary());
            s.println("");
            s.println(Format.reflow(c.help().strip()));
            return;
        }
        int w = Math.min(s.commands().all().stream().mapToInt(c -> c.usage().length()).max().orElse(10), 32);
        int total = s.textWidth();
        for (Command c : s.commands().all()) {
            String u = c.usage();
            String pad = " ".repeat(w + 4);
            String summary = Format.wrap(pad + c.summary(), total).substring(w + 4).replace("\n  " + pad, "\n" + pad);
            if (u.length() > w) {
                s.out().println("  " + u);
                s.out().println(pad + summary);
            } else {
                s.out().println("  " + u + " ".repeat(w - u.length()) + "  " + summary);
            }
        }
        s.println("Lines that are not commands run as Java (JShell); 'session' is this session.");
        s.println("'help NAME' explains a command with examples. Tab completes commands, layers, heads, hook names, files.");
        for (HelpTopics.Topic t : HelpTopics.TOPICS) {
            s.println("'help " + t.name() + "': " + t.summary() + ".");
        }
    }

    private static void set(Session s, Args a) {
        if (!a.hasNext()) {
            Map<String, String> m = s.settings().describe();
            TextTable t = new TextTable("setting", "value");
            m.forEach(t::row);
            s.out().print(t);
            return;
        }
        String key = a.next("a setting");
        String value = a.next("a value for " + key);
        a.end();
        int nLayer = s.workspace().hasModel() ? s.workspace().config().nLayer() : 1;
        s.settings().set(key, value, nLayer);
        s.println(key + " = " + s.settings().describe().getOrDefault(key.toLowerCase(java.util.Locale.ROOT), value));
    }

    static List<String> names(Session s) {
        List<String> out = new ArrayList<>();
        s.commands().all().forEach(c -> out.add(c.name()));
        return out;
    }
}
