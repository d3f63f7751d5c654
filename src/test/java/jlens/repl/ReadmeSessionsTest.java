package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every REPL session the README shows runs as written, comments included, on the model a newcomer gets: the
 * known-answer model (what {@code ./jlens} opens offline). A block of REPL lines must say which it is, run here or
 * shown for another model, so a new block cannot slip in untested. The comments' claims that the known model
 * answers for certain are checked too.
 */
class ReadmeSessionsTest {
    static final String RUN = "<!-- session: run by ReadmeSessionsTest -->";
    static final String SHOWN = "<!-- session for ";

    @TempDir
    Path tmp;

    /** A fenced block without a language, with the line before its fence. */
    record Block(int line, String marker, List<String> lines) {}

    static List<Block> blocks() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            if (!readme.get(i).startsWith("```")) {
                continue;
            }
            int end = i + 1;
            while (end < readme.size() && !readme.get(end).equals("```")) {
                end++;
            }
            if (readme.get(i).equals("```")) { // no language: REPL lines, shell lines or plain text
                out.add(new Block(i + 1, i > 0 ? readme.get(i - 1) : "", readme.subList(i + 1, end)));
            }
            i = end;
        }
        return out;
    }

    /** Whether a block is REPL lines: its first line starts with a command. */
    private static boolean isSession(Block b, CommandRegistry commands) {
        String first = b.lines().stream().filter(l -> !l.isBlank()).findFirst().orElse("");
        String word = CommandLine.firstWord(first);
        return word != null && commands.find(word).isPresent();
    }

    @Test
    void everySessionBlockIsRunHereOrSaysWhichModelItNeeds() throws Exception {
        CommandRegistry commands = Commands.registry();
        int run = 0;
        for (Block b : blocks()) {
            if (!isSession(b, commands)) {
                continue;
            }
            if (b.marker().equals(RUN)) {
                run++;
            } else if (!b.marker().startsWith(SHOWN)) {
                fail("README.md line " + b.line() + ": a session block needs '" + RUN + "' (or '" + SHOWN
                        + "MODEL: ...' when it cannot run on the known-answer model) on the line before it");
            }
        }
        assertTrue(run >= 4, run + " session blocks run");
    }

    @Test
    void everySessionRunsOnTheKnownAnswerModel() throws Exception {
        CommandRegistry commands = Commands.registry();
        List<String> outputs = new ArrayList<>();
        for (Block b : blocks()) {
            if (!isSession(b, commands) || !b.marker().equals(RUN)) {
                continue;
            }
            TestSessions.Buffered s = TestSessions.session().exec("load known");
            s.take();
            Path dir = Files.createTempDirectory(tmp, "block");
            for (int i = 0; i < b.lines().size(); i++) {
                String line = b.lines().get(i);
                // saved files go to a folder of the test's own, not the working directory
                String typed = line.replaceFirst("^save (\\S+)", "save " + Matcher.quoteReplacement(dir.toString()) + "/$1");
                try {
                    s.exec(typed);
                } catch (RuntimeException e) {
                    fail("README.md line " + (b.line() + 1 + i) + " fails on the known-answer model: " + line + "\n  "
                            + e.getMessage());
                }
            }
            outputs.add(s.take());
        }
        String first = outputs.get(0);
        // what the first session's comments say the known model shows
        assertTrue(first.contains("known: 3 layers, 3 heads"), first);
        assertTrue(first.contains("real next token \".\"") && first.contains("rank 1 of 50257"), first);
        assertTrue(Pattern.compile("(?m)^ +1 +1\\.2 +0\\.[0-9]").matcher(first).find(), "detect induction ranks 1.2 first:\n" + first);
        Matcher layer1 = Pattern.compile("(?m)^ +1 +2 +(-[0-9.]+) ").matcher(first);
        assertTrue(layer1.find() && Double.parseDouble(layer1.group(1)) < -10, "zeroing 1.2 collapses the log-prob:\n" + first);
        // the circuit block: 0.1 and 1.2 carry the copy (normalised 1), the others nothing
        String circuit = outputs.get(1);
        assertTrue(Pattern.compile("(?m)^ +0 +1 +1 +").matcher(circuit).find()
                && Pattern.compile("(?m)^ +1 +2 +1 +").matcher(circuit).find(), circuit);
        assertTrue(circuit.contains("head 1.2"), "dla names the induction head L.H:\n" + circuit);
        // generation copies the sentence it has seen
        String generation = outputs.get(4);
        assertTrue(generation.contains(" jumps over the lazy dog."), generation);
        // the known SAE's features name the current and the previous token
        String features = outputs.get(3);
        assertTrue(features.contains("2 of 16384 features active") && features.contains("the previous token is '·John'"),
                features);
        // the corpus block: every window counted, the induction head found over the corpus as on one text
        String corpus = outputs.get(5);
        assertTrue(corpus.contains("attention of known over") && corpus.contains("1,024 tokens (16 windows of 64"), corpus);
        assertTrue(Pattern.compile("(?m)^ +1 +1\\.2 +0\\.[0-9]").matcher(corpus).find(), "corpus detect ranks 1.2 first:\n" + corpus);
        assertTrue(corpus.contains("SAE features of known (jumprelu at blocks.1.hook_resid_pre): 16384 features over 1024 tokens"), corpus);
        assertEquals(6, outputs.size());
    }
}
