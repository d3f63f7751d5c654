package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import jlens.OutputAudit;
import jlens.model.Gpt2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example a help page shows runs as shown: each page's examples in order, in a fresh session on the model a
 * newcomer gets offline (the known-answer model), with no text set, so an example that needs a text, a corrupted
 * prompt or a metric has to show them. An example is an indented line that starts with a command; each command's page
 * has at least one. Two things differ from a user's machine, and only where the example cannot otherwise run here:
 * {@code load NAME} answers every name with the known-answer model (no network in tests), and {@code view} shows the
 * figure to a viewer that only records it (no full terminal).
 */
class HelpExamplesTest {
    @TempDir
    Path tmp;

    /**
     * The examples of a help page: the lines indented by two spaces whose first word is a command, in a block under a
     * heading (a line that ends with ':', such as "Examples:"). Deeper indents continue a table; a block under prose is
     * a table of its own (the start screen's list of commands).
     */
    static List<String> examples(String page, CommandRegistry commands) {
        List<String> out = new ArrayList<>();
        boolean underHeading = false;
        for (String line : page.split("\n")) {
            if (!line.startsWith(" ")) {
                underHeading = line.strip().endsWith(":");
                continue;
            }
            if (!underHeading || line.startsWith("   ") || (!line.contains("\"") && line.strip().matches(".*(\\S {3,}[^#\\s]|(^|\\s)\\[?[A-Z]+\\]?(\\s|$)).*"))) {
                continue; // a table's row: a command's form (placeholders such as F, FILE), then after a gap what it does
            }
            String word = line.strip().split("\\s+")[0];
            if (commands.find(word).isPresent() && word.equals(word.toLowerCase(java.util.Locale.ROOT))) {
                out.add(line.strip());
            }
        }
        return out;
    }

    /** Every help page by its name: each command's and each topic's. */
    static Map<String, String> pages(Session s) {
        Map<String, String> pages = new LinkedHashMap<>();
        for (Command c : s.commands().all()) {
            pages.put(c.name(), c.help());
        }
        for (HelpTopics.Topic t : HelpTopics.TOPICS) {
            pages.put(t.name(), HelpTopics.text(t, s));
        }
        return pages;
    }

    private static Gpt2 known;

    /** The known-answer model, loaded once for the sessions (each 'load' in an example loads its own). */
    private static synchronized Gpt2 known() {
        if (known == null) {
            known = Gpt2.load(TestSessions.knownDir());
            Runtime.getRuntime().addShutdownHook(new Thread(known::close));
        }
        return known;
    }

    /** A fresh session on the known-answer model; every 'load' gets that model (see the class comment). */
    private static Session freshSession(StringWriter text, List<Figure> viewed) {
        Session s = new Session(new PrintWriter(text, true), (spec, session) ->
                new ModelSource.Loaded(Gpt2.load(TestSessions.knownDir()), spec.equals("known") ? "known" : spec,
                        "known-answer model"));
        s.settings().set("color", "mono", 1);
        s.viewer(viewed::add);
        s.useModel(known(), "known", "known-answer model", false);
        return s;
    }

    @Test
    void everyHelpExampleRunsAsShown() throws Exception {
        StringWriter probe = new StringWriter();
        List<String> failures = new ArrayList<>();
        int ran = 0;
        Map<String, String> pages;
        try (Session first = freshSession(probe, new ArrayList<>())) {
            pages = pages(first);
        }
        for (Map.Entry<String, String> page : pages.entrySet()) {
            List<String> lines = examples(page.getValue(), Commands.registry());
            boolean command = Commands.registry().find(page.getKey()).isPresent();
            if (command && lines.isEmpty()) {
                failures.add("help " + page.getKey() + ": no example");
                continue;
            }
            StringWriter text = new StringWriter();
            List<Figure> viewed = new ArrayList<>();
            Path dir = Files.createTempDirectory(tmp, page.getKey());
            int before = failures.size();
            try (Session s = freshSession(text, viewed)) {
                for (String line : lines) {
                    // saved files go to a folder of the test's own, not the working directory, and are read back from there
                    String folder = Matcher.quoteReplacement(dir.toString());
                    String typed = line.replaceFirst("^save (\\S+)", "save " + folder + "/$1")
                            .replaceFirst("^steer (\\S+\\.npy)", "steer " + folder + "/$1")
                            .replaceFirst("^corpus show (\\S+\\.json)$", "corpus show " + folder + "/$1")
                            .replaceFirst("^load (\\S+\\.json)$", "load " + folder + "/$1");
                    try {
                        s.interpreter().run(typed);
                        ran++;
                    } catch (RuntimeException e) {
                        failures.add("help " + page.getKey() + ": " + line + "\n    " + e.getMessage());
                        break; // the lines after it may need it
                    }
                }
                OutputAudit.check(text.toString());
                if (lines.contains("view") && failures.size() == before) {
                    assertEquals(1, viewed.size(), "help " + page.getKey() + ": 'view' shows the last chart");
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " help examples fail as shown:\n  " + String.join("\n  ", failures));
        }
        assertTrue(ran > 80, ran + " examples ran");
    }

    @Test
    void examplesAreTheIndentedCommandLines() {
        CommandRegistry commands = Commands.registry();
        List<String> found = examples("""
                Prose that mentions run and text.
                  tour        a table under prose, not an example
                Keys:
                  width       not a command
                  sae on      a table row: a command's form, then what it does
                  features top F over FILE N  a form with placeholders
                  ablate:     a table's word, not a command
                Examples:
                  text "a b"
                       text continued from a table row
                  logprobs                # an example with a comment
                  hist 1 --range -5 5""", commands);
        assertEquals(List.of("text \"a b\"", "logprobs                # an example with a comment", "hist 1 --range -5 5"), found);
    }
}
