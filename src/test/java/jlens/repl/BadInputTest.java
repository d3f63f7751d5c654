package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 6's table of bad inputs, over every command. Each row must give exactly one line that says what to do
 * (no stack trace, no exception name), leave the session as it was (model, text, tokens, hooks, cache, last
 * result, settings), and in a script stop at that line with {@code FILE:LINE:} and status 1.
 *
 * <p>Rows run on the one shared fixture model; a row's session is either READY (text, every layer hooked,
 * run, and a {@code var} result drawn) or BARE (a model and nothing else), so "nothing run yet" errors are
 * reachable too.
 */
class BadInputTest {
    @TempDir
    static Path tmp;

    enum Setup {
        READY("%TEXT%", "hook layer all", "run", "var"),
        BARE,
        /** An IOI set of mixed lengths (14 and 15 tokens). */
        IOI_SET("%TEXT%", "prompts ioi 7 seed 3"),
        /** A set with corrupted prompts but no answers, one of them a single token, and no metric. */
        BARE_SET("%TEXT%", "prompts %TMP%/no-answers.jsonl");

        final List<String> lines;

        Setup(String... lines) {
            this.lines = List.of(lines);
        }

        List<String> lines() {
            return lines.stream().map(l -> l.replace("%TEXT%", TestSessions.textLine()).replace("%TMP%", tmp.toString())).toList();
        }
    }

    /**
     * One bad input: the {@code line} typed, and a fragment its one-line error must contain. {@code %TMP%} in
     * either is the test's temporary folder.
     */
    record Bad(String category, Setup setup, String line, String expect) {
        String typed() {
            return line.replace("%TMP%", tmp.toString());
        }

        String expected() {
            return expect.replace("%TMP%", tmp.toString());
        }

        @Override
        public String toString() {
            String shown = typed().codePoints().mapToObj(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)
                    ? String.format("\\u%04x", c) : Character.toString(c)).collect(Collectors.joining());
            return category + ": " + (shown.length() > 70 ? shown.substring(0, 67) + "..." : shown);
        }
    }

    private static Bad ready(String category, String line, String expect) {
        return new Bad(category, Setup.READY, line, expect);
    }

    private static Bad bare(String category, String line, String expect) {
        return new Bad(category, Setup.BARE, line, expect);
    }

    private static Bad ioi(String category, String line, String expect) {
        return new Bad(category, Setup.IOI_SET, line, expect);
    }

    static final String LONG_TEXT = "text \"" + "again and ".repeat(60) + "\"";

    static List<Bad> table() {
        List<Bad> t = new ArrayList<>();
        // unknown words
        t.add(ready("unknown", "hsit 1", "did you mean 'hist'"));
        t.add(ready("unknown", "ablat head 1 token 2", "did you mean 'ablate'"));
        t.add(ready("unknown", "frobnicate 3 4", "'help' lists the commands"));
        t.add(ready("unknown", "--help", "unknown command"));
        t.add(ready("unknown", "@@@ ###", "unknown command"));
        t.add(ready("unknown", "help nosuch", "unknown command 'nosuch'"));
        t.add(ready("unknown", "split kqv 1", "split takes qkv or heads"));
        // circuits: patching needs a corrupted text of the same length and a metric of single tokens
        t.add(ready("circuits", "corrupt \"a b\"", "the corrupted text has 2 tokens and the text 30"));
        t.add(ready("circuits", "corrupt \"\"", "the corrupted text is empty"));
        t.add(ready("circuits", "metric logitdiff \" Mary-Jane\" \" John\"", "give a single token"));
        t.add(ready("circuits", "metric nosuch \" Mary\"", "use logitdiff A B or logprob TOKEN"));
        t.add(ready("circuits", "metric logprob \" Mary\" pos 40", "out of range"));
        t.add(ready("circuits", "patch resid_pre", "no corrupted text yet"));
        t.add(ready("circuits", "patch neurons", "use resid_pre, attn_out"));
        t.add(ready("circuits", "path", "no corrupted text yet"));
        t.add(ready("circuits", "path to 0.1 q", "no head comes before layer 0"));
        t.add(ready("malformed", "path to 1,2 q", "a receiver is LAYER.HEAD"));
        t.add(ready("circuits", "edges eap", "no corrupted text yet"));
        t.add(ready("unknown", "edges eap-ig steps x", "must be a whole number"));
        t.add(ready("order", "circuit top 10", "no edge scores yet"));
        t.add(ready("unknown", "circuit bottom 3", "circuit takes top N"));
        t.add(ready("files", "load %TMP%/no-such-graph.json", "cannot read"));
        t.add(ready("order", "edges exact set", "no prompt set"));
        t.add(ready("circuits", "lens 99", "out of range"));
        t.add(ready("circuits", "lens -1", "no real next token"));
        t.add(ready("circuits", "dla \" Mary\" +", "give a token or a difference"));
        t.add(ready("circuits", "dla -2 \" Mary-Jane\"", "give a single token"));
        t.add(ready("unknown", "ablate neuron 1 token 2", "expected 'head'"));
        t.add(ready("unknown", "set colour purple", "color takes auto"));
        t.add(ready("unknown", "set speed 3", "unknown setting 'speed'"));
        t.add(ready("unknown", "hook blocks.1.attn.hook_nope", "unknown hook point"));
        t.add(ready("unknown", "unhook blocks.1.attn.hook_q", "is not hooked"));
        t.add(ready("unknown", "save %TMP%/q.npy blocks.1.attn.hook_nope", "unknown hook point"));
        // missing arguments
        t.add(ready("missing", "load", "missing a model name or folder"));
        t.add(ready("missing", "hook", "missing what to hook"));
        t.add(ready("missing", "hook layer", "missing layer"));
        t.add(ready("missing", "split", "missing qkv or heads"));
        t.add(ready("missing", "pattern", "missing"));
        t.add(ready("missing", "ablate", "missing 'head H'"));
        t.add(ready("missing", "ablate head 1", "missing 'token P'"));
        t.add(ready("missing", "ablate head 1 token", "missing"));
        t.add(ready("missing", "set width", "missing a value for width"));
        t.add(ready("missing", "save", "missing a file name"));
        t.add(ready("missing", "source", "missing a file"));
        t.add(ready("missing", "hist 1 --range 5", "--range needs 2 values"));
        // extra arguments
        t.add(ready("extra", "model extra", "unexpected 'extra'; usage: model"));
        t.add(ready("extra", "tokens 3", "unexpected '3'; usage: tokens"));
        t.add(ready("extra", "run now", "unexpected 'now'"));
        t.add(ready("extra", "var 1", "unexpected '1'"));
        t.add(ready("extra", "quit now", "unexpected 'now'"));
        t.add(ready("extra", "hooks all more", "unexpected 'more'"));
        t.add(ready("extra", "view please", "unexpected 'please'"));
        t.add(ready("extra", "load a b", "unexpected 'b'"));
        t.add(ready("extra", "qkt 1 2", "unexpected '2'"));
        t.add(ready("extra", "logprobs 1 2", "unexpected '2'"));
        t.add(ready("extra", "set width 80 90", "unexpected '90'"));
        t.add(ready("extra", "var --bogus", "unknown option '--bogus'"));
        // malformed arguments
        t.add(ready("malformed", "hist five", "layer must be a whole number, not 'five'"));
        t.add(ready("malformed", "hist 1.5", "must be a whole number, not '1.5'"));
        t.add(ready("malformed", "pattern 0 x", "head must be a whole number"));
        t.add(ready("malformed", "ablate head x token 1", "must be a whole number"));
        t.add(ready("missing", "detect", "missing a pattern"));
        t.add(ready("missing", "compose", "missing q, k or v"));
        t.add(ready("unknown", "compose x", "'x' is not one of q, k, v; usage: compose q|k|v"));
        t.add(ready("extra", "compose k v", "unexpected 'v'; usage: compose q|k|v"));
        t.add(ready("missing", "detect induction random", "missing N"));
        t.add(ready("unknown", "detect inductoin", "unknown head pattern 'inductoin'"));
        t.add(ready("malformed", "detect induction random x", "N must be a whole number, not 'x'"));
        t.add(ready("malformed", "detect induction random 0", "N must be 1.."));
        t.add(ready("malformed", "detect induction random 4294967297", "N must be 1.."));
        t.add(ready("extra", "detect bos now", "unexpected 'now'"));
        t.add(ready("extra", "selftest now", "unexpected 'now'"));
        t.add(ready("malformed", "ablate head 1 token x", "must be a whole number"));
        t.add(ready("malformed", "ablate head 1 token 2 layer x", "must be a whole number"));
        t.add(ready("malformed", "hist 1 --range a 5", "LO must be a number, not 'a'"));
        t.add(ready("malformed", "hist 1 --range NaN 5", "LO must be a number, not 'NaN'"));
        t.add(ready("malformed", "hist 1 --range -Infinity 5", "must be a number"));
        t.add(ready("malformed", "hist 1 --range 5 5", "--range needs LO < HI"));
        t.add(ready("malformed", "split heads 1 x", "q, k or v"));
        t.add(ready("malformed", "set bins many", "bins must be a whole number"));
        t.add(ready("malformed", "set pos0 maybe", "pos0 takes on or off"));
        t.add(ready("malformed", "set budget lots", "budget"));
        t.add(ready("malformed", "hook layer x", "layer must be a whole number"));
        t.add(ready("malformed", "text \"unclosed", "unclosed double quote"));
        t.add(ready("malformed", "text 'unclosed", "unclosed single quote"));
        // out of range, and negative beyond the start
        t.add(ready("range", "hist 3", "use 0..2 or -3..-1"));
        t.add(ready("range", "hist -4", "layer -4 is out of range"));
        t.add(ready("range", "qkt -4", "use 0..2 or -3..-1"));
        t.add(ready("range", "split qkv -4", "use 0..2 or -3..-1"));
        t.add(ready("range", "hook layer 3", "use 0..2 or -3..-1"));
        t.add(ready("range", "pattern 0 4", "head 4 is out of range"));
        t.add(ready("range", "pattern 0 -5", "use 0..3 or -4..-1"));
        t.add(ready("range", "logprobs 30", "use 0..29 or -30..-1"));
        t.add(ready("range", "logprobs -31", "use 0..29 or -30..-1"));
        t.add(ready("range", "ablate head 4 token 1", "head 4 is out of range"));
        t.add(ready("range", "ablate head -5 token 1", "use 0..3 or -4..-1"));
        t.add(ready("range", "ablate head 1 token -31", "use 0..29 or -30..-1"));
        t.add(ready("range", "ablate head 1 token 2 layer 3", "use 0..2 or -3..-1"));
        t.add(ready("range", "set layer 3", "use 0..2 or -3..-1"));
        t.add(ready("range", "set bins 1", "use 2..10000"));
        t.add(ready("range", "set width -80", "out of range"));
        t.add(ready("range", "save %TMP%/q.npy blocks.7.attn.hook_qkv", "out of range"));
        // huge numbers
        t.add(ready("huge", "hist 99999999999999999999", "must be a whole number"));
        t.add(ready("huge", "hist 2147483648", "out of range"));
        t.add(ready("huge", "pattern 0 9223372036854775807", "out of range"));
        t.add(ready("huge", "logprobs -9223372036854775808", "out of range"));
        t.add(ready("huge", "hook layer 4294967296", "out of range"));
        t.add(ready("huge", "set width 99999999999", "out of range"));
        t.add(ready("huge", "set height 2147483648", "out of range"));
        t.add(ready("huge", "set budget 99999999999999999G", "budget"));
        t.add(ready("huge", "ablate head 1 token 1e9", "must be a whole number"));
        // empty and blank text
        t.add(ready("empty text", "text \"\"", "the text is empty"));
        t.add(ready("empty text", "text ''", "the text is empty"));
        t.add(ready("empty text", "text \"   \"", "only blanks"));
        t.add(ready("empty text", "text \"\\t\\n\\r\"", "only blanks"));
        t.add(ready("empty text", "text \"\u3000\u2003\"", "only blanks"));
        // text longer than the context (the fixture's is 64 positions)
        t.add(ready("long text", LONG_TEXT, "64"));
        // control characters and undecodable input
        t.add(ready("control", "text \"a\u0007b\"", "control character U+0007"));
        t.add(ready("control", "text \"nul\u0000here\"", "control character U+0000"));
        t.add(ready("control", "text \"\u001b[31mred\u001b[0m\"", "control character U+001B"));
        t.add(ready("control", "text \"del\u007f\"", "control character U+007F"));
        t.add(ready("control", "text \"nel\u0085\"", "control character U+0085"));
        t.add(ready("control", "text \"bad \uFFFD byte\"", "undecodable byte"));
        t.add(ready("control", "text \"half \uD800 pair\"", "surrogate"));
        t.add(ready("control", "hist \"\u001b[2J\u001b[H\"", "not '\\u001b[2J"));
        t.add(ready("control", "set width \"\u000780\"", "must be a whole number"));
        // files that are not there, not files, or not readable
        t.add(ready("files", "source %TMP%/missing.jsh", "no such file"));
        t.add(ready("files", "source %TMP%/nowhere/x.jsh", "no such file"));
        t.add(ready("files", "source %TMP%", "is a folder"));
        t.add(ready("files", "source /proc", "is a folder"));
        t.add(ready("files", "source %TMP%/latin1.jsh", "not UTF-8"));
        t.add(ready("files", "source %TMP%/self.jsh", "sources itself"));
        t.add(ready("files", "source %TMP%/loop-a.jsh", "sources itself"));
        t.add(ready("files", "save %TMP%/nowhere/x.csv", "does not exist"));
        t.add(ready("files", "save %TMP%", "is a folder"));
        t.add(ready("files", "save /proc/jlens-test.csv", "cannot write"));
        t.add(ready("files", "save /proc/self/x.csv --force", "cannot write"));
        t.add(ready("files", "save %TMP%/existing.csv", "exists; add --force"));
        t.add(ready("files", "save %TMP%/fifo.csv --force", "not a regular file"));
        t.add(ready("files", "save %TMP%/out.xyz", "unknown format '.xyz'"));
        t.add(ready("files", "save %TMP%/noext", "unknown format"));
        t.add(ready("files", "save %TMP%/q.csv blocks.1.attn.hook_qkv", "saved as .npy"));
        t.add(ready("files", "save \"%TMP%/a\u0000b.csv\"", "not a valid file name"));
        t.add(ready("files", "load %TMP%/nothing-here", "no such folder"));
        t.add(ready("files", "load %TMP%/existing.csv", "not a model folder"));
        t.add(ready("files", "load %TMP%", "config.json"));
        t.add(ready("files", "load ../../etc", "config.json"));
        t.add(ready("files", "load ../../../../../../../../etc/passwd", "not a model folder"));
        t.add(ready("files", "load org/../../etc", "has the form ORG/NAME"));
        t.add(ready("files", "load ../x", "no such folder"));
        t.add(ready("files", "load org/..", "not a valid Hugging Face repo id"));
        t.add(ready("files", "load a/b/c", "ORG/NAME"));
        t.add(ready("files", "load \"\"", "no model given"));
        // the order of things: before any text, run or chart
        t.add(bare("order", "run", "no text yet"));
        t.add(bare("order", "tokens", "no text yet"));
        t.add(bare("order", "hist 1", "no text yet; give one with text \"...\", then hook something ('hook layer all') and 'run'"));
        t.add(bare("order", "split qkv 1", "no text yet"));
        t.add(bare("order", "var", "no text yet"));
        t.add(bare("order", "view", "no chart to view yet"));
        t.add(bare("order", "save %TMP%/v.csv", "no result yet"));
        t.add(bare("order", "save %TMP%/v.txt", "nothing drawn yet"));
        t.add(bare("order", "text", "no text yet"));
        t.add(ready("order", "pattern 1 --pos0", "head must be a whole number"));
        // generation and prompt sets
        t.add(ready("missing", "generate", "missing the number of new tokens"));
        t.add(ready("malformed", "generate x", "must be a whole number"));
        t.add(ready("range", "generate 0", "N must be 1.."));
        t.add(ready("malformed", "generate 5 sample temp -1", "temp > 0"));
        t.add(ready("unknown", "generate 5 with zap", "after 'with' comes"));
        t.add(ready("range", "generate 5 with ablate head 99 layer 0", "out of range"));
        t.add(ready("missing", "generate 5 with ablate head 1", "missing 'layer L'"));
        t.add(ready("unknown", "generate 5 greedy extra", "unexpected 'extra'"));
        t.add(bare("order", "generate 5", "no text yet"));
        t.add(ready("unknown", "ablate head 1 token -2 at resid_pre", "has no heads"));
        t.add(ready("unknown", "ablate head 1 token -2 at nowhere", "unknown site"));
        t.add(ready("missing", "steer \" love\" - \" hate\"", "missing 'layer L'"));
        t.add(ready("range", "steer \" love\" - \" hate\" layer 9", "out of range"));
        t.add(ready("malformed", "steer \" love\" - \" hate\" layer 1 coeff x", "coeff"));
        t.add(ready("unknown", "steer \" love\" \" hate\" layer 1", "after 'steer' comes"));
        t.add(ready("order", "steer mean set layer 1", "no prompt set"));
        t.add(ready("files", "steer nowhere.npy layer 1", "nowhere.npy"));
        t.add(ready("unknown", "steers extra", "unexpected 'extra'"));
        t.add(ready("range", "unsteer 3", "nothing numbered 3"));
        t.add(ready("malformed", "unsteer x", "whole number"));
        t.add(ready("range", "tour 0", "the tour has steps 1.."));
        t.add(ready("malformed", "tour x", "whole number"));
        t.add(ready("unknown", "tour next extra", "unexpected 'extra'"));
        t.add(ready("order", "tour next", "no tour under way; type 'tour' to start one"));
        t.add(ready("order", "prompts", "no prompt set"));
        t.add(ready("order", "logprobs set", "no prompt set"));
        t.add(ready("order", "ablate head 1 layer 0 mean", "no prompt set"));
        t.add(ready("order", "generate 3 with ablate head 1 layer 0 mean", "no prompt set"));
        t.add(ready("files", "prompts %TMP%/no-such-prompts.txt", "file not found"));
        t.add(ready("range", "prompts ioi 0", "N must be 1..100000"));
        t.add(ready("malformed", "prompts ioi x", "must be a whole number"));
        // studies over the prompt set
        t.add(ready("order", "patch heads set", "no prompt set"));
        t.add(ready("order", "detect induction set", "no prompt set"));
        t.add(ioi("range", "patch resid_pre set", "every prompt needs one token count: line 1 has 15 tokens, line 2 has 14; use 'patch heads set'"));
        t.add(ioi("range", "patch heads pos set", "use 'patch heads set'"));
        t.add(ioi("extra", "patch heads --approx set", "--approx estimates one pair"));
        t.add(ioi("extra", "patch heads set pos", "unexpected 'pos'"));
        t.add(ioi("extra", "detect induction random 5 set", "one at a time"));
        t.add(ioi("extra", "detect induction set 3", "unexpected '3'"));
        t.add(new Bad("missing", Setup.BARE_SET, "patch heads set", "no \"answer\" and \"wrong\" tokens and no metric is set"));
        t.add(new Bad("range", Setup.BARE_SET, "detect bos set", "line 2 of the prompt set has 1: give longer prompts"));
        // sparse autoencoders: nothing loaded yet, a missing folder, words that are not numbers
        t.add(ready("order", "features", "no SAE loaded"));
        t.add(ready("order", "feature 3", "no SAE loaded"));
        t.add(ready("order", "sae on --error", "no SAE loaded"));
        t.add(ready("files", "sae load %TMP%/no-such-sae", "no such folder"));
        t.add(ready("unknown", "sae frob", "unknown 'sae frob'"));
        t.add(ready("malformed", "sae ablate x", "feature must be a whole number, not 'x'"));
        t.add(ready("extra", "saes x", "unexpected 'x'"));
        t.add(ready("malformed", "features top 3 under set", "say where"));
        t.add(ready("range", "load fixture --process fold", "unknown processing 'fold'"));
        // corpora: none opened yet, a missing file, a result that is not a corpus's
        t.add(ready("order", "corpus attention", "no corpus; give one with 'corpus FILE|DIR'"));
        t.add(ready("files", "corpus %TMP%/no-such-corpus.txt", "no such file or folder"));
        t.add(ready("order", "corpus feature 3", "run 'corpus features' or 'corpus show FILE.json' first"));
        // Java that fails
        t.add(ready("java", "int x = \"s\";", "Java: incompatible types"));
        t.add(ready("java", "session.exec(\"hist 9\")", "layer 9 is out of range"));
        return t;
    }

    /** A sentence that tells the user what to do: an example, a range, a usage, a suggestion, or an instruction. */
    private static final Pattern ADVICE = Pattern.compile(
            "usage:|use |give |type |add |try |did you mean|'help'|'hooks'|remove |end the |draw |run |hook |choose |"
                    + "check |widen |'set |'load |'text |'save |shorten|folder|or '|takes |needs |settings are|"
                    + "has the form|\\d\\.\\.\\d|"
                    // self-evident: the path is named and the fix is plain
                    + "no such file|not UTF-8|not allowed",
            Pattern.CASE_INSENSITIVE);

    @BeforeAll
    static void files() throws IOException, InterruptedException {
        Files.writeString(tmp.resolve("existing.csv"), "keep me\n");
        Files.writeString(tmp.resolve("no-answers.jsonl"), "{\"text\": \"When Mary and John went\", \"corrupt\": \"When John and Mary went\"}\n"
                + "{\"text\": \"Hi\", \"corrupt\": \"Yo\"}\n");
        Files.write(tmp.resolve("latin1.jsh"), "text \"caf\u00e9\"\n".getBytes(StandardCharsets.ISO_8859_1));
        Path self = tmp.resolve("self.jsh");
        Files.writeString(self, "model\nsource " + self + "\n");
        Path a = tmp.resolve("loop-a.jsh");
        Path b = tmp.resolve("loop-b.jsh");
        Files.writeString(a, "source " + b + "\n");
        Files.writeString(b, "model\nsource " + a + "\n");
        Process p = new ProcessBuilder("mkfifo", tmp.resolve("fifo.csv").toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "mkfifo");
    }

    /**
     * One prepared session per setup, shared by the rows (preparing one per row made the class slow): a row that
     * changes the state fails and drops its session, so the next row starts clean.
     */
    private static final Map<Setup, TestSessions.Buffered> SESSIONS = new java.util.EnumMap<>(Setup.class);

    static synchronized TestSessions.Buffered session(Setup setup) {
        return SESSIONS.computeIfAbsent(setup, st -> {
            TestSessions.Buffered b = TestSessions.session();
            st.lines().forEach(b::exec);
            b.take();
            return b;
        });
    }

    private static void unchanged(Setup setup, Snapshot before, Session s, Bad bad) {
        Snapshot after = Snapshot.of(s);
        if (!before.equals(after)) {
            SESSIONS.remove(setup);
        }
        assertEquals(before, after, "session changed by: " + bad);
    }

    /** The state compared before and after a bad line, with what the model itself holds. */
    record Snapshot(TestSessions.State state, boolean modelHooksEmpty, boolean quit, String modelName) {
        static Snapshot of(Session s) {
            return new Snapshot(TestSessions.state(s), s.workspace().model().hooks().isEmpty(), s.quitRequested(), s.workspace().modelName());
        }
    }

    @ParameterizedTest(name = "{index} {0}")
    @MethodSource("table")
    void oneClearLineAndNothingChanges(Bad bad) {
        TestSessions.Buffered b = session(bad.setup());
        Session s = b.session();
        Snapshot before = Snapshot.of(s);
        String message;
        try {
            s.interpreter().run(bad.typed());
            fail("no error for: " + bad + "\nprinted: " + b.take());
            return;
        } catch (UserError e) {
            message = e.getMessage();
        } catch (RuntimeException e) {
            // The REPL would still survive (Repl.report turns anything into one line), but a raw exception here means
            // a command let a non-user error escape: the table wants a deliberate message.
            throw new AssertionError("not a UserError for " + bad + ": " + e, e);
        }
        assertOneClearLine(bad, message, b.take());
        unchanged(bad.setup(), before, s, bad);
        assertTrue(Files.exists(tmp.resolve("existing.csv")));
    }

    static void assertOneClearLine(Bad bad, String message, String printed) {
        assertTrue(message.contains(bad.expected()), bad + "\n  said: " + message + "\n  wanted: " + bad.expected());
        assertFalse(message.isBlank() || message.contains("\n") || message.contains("\r"), "one line: " + message);
        assertFalse(message.contains("\tat ") || printed.contains("\tat "), "no stack trace: " + message + printed);
        assertFalse(message.contains("internal error"), message);
        assertFalse(!message.startsWith("Java") && message.matches(".*\\b[A-Z][A-Za-z]*(Exception|Error)\\b.*"),
                "no exception names: " + message);
        assertFalse(message.codePoints().anyMatch(c -> Character.isISOControl(c)), "no raw control characters: " + message);
        // Java's own diagnostics say what is wrong where; they are passed through as the compiler words them.
        assertTrue(message.startsWith("Java") || ADVICE.matcher(message).find(), "says what to do: " + message);
    }

    /**
     * The same lines in a script (on the same prepared session): stopped at that line with FILE:LINE:, status 1,
     * the next line never run, the session unchanged.
     */
    @ParameterizedTest(name = "{index} {0}")
    @MethodSource("table")
    void scriptStopsAtTheLine(Bad bad) throws IOException {
        if (bad.typed().codePoints().anyMatch(c -> Character.isSurrogate((char) c))) {
            return; // a lone surrogate cannot be written as UTF-8: in a file it is the invalid-UTF-8 row instead
        }
        TestSessions.Buffered b = session(bad.setup());
        Session s = b.session();
        Snapshot before = Snapshot.of(s);
        List<String> lines = List.of("// issue 6: a bad line stops the script", "", bad.typed(), "help quit");
        int at = 3;
        Path script = Files.createTempFile(tmp, "bad", ".jsh");
        Files.writeString(script, String.join("\n", lines) + "\n");
        StringWriter err = new StringWriter();
        int status = ScriptMode.run(s, List.of(new ScriptMode.FileItem(script)), new PrintWriter(err, true));
        assertEquals(1, status, bad + "\n" + err);
        String e = err.toString();
        assertTrue(e.startsWith(script + ":" + at + ": "), bad + " gave " + e);
        assertEquals(1, e.lines().count(), "one line: " + e);
        assertTrue(e.contains(bad.expected()), bad + " gave " + e);
        assertFalse(b.take().contains("leave jlens"), "the line after the bad one ran");
        unchanged(bad.setup(), before, s, bad);
    }

    /**
     * The whole table typed into one REPL on a terminal, plus a line of bytes that are not UTF-8: one "error:" line
     * each, no stack trace, and the REPL still answers afterwards.
     */
    @Test
    void theReplSurvivesTheWholeTableInOneSitting() throws Exception {
        List<String> typed = table().stream().filter(r -> r.setup() == Setup.READY).map(Bad::typed)
                .filter(l -> l.codePoints().noneMatch(c -> Character.isISOControl(c) || Character.isSurrogate((char) c)))
                .toList();
        java.io.ByteArrayOutputStream in = new java.io.ByteArrayOutputStream();
        for (String line : Setup.READY.lines()) {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        for (String line : typed) {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        in.write("text \"caf".getBytes(StandardCharsets.UTF_8));
        in.write(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3});
        in.write("\"\nmodel\n".getBytes(StandardCharsets.UTF_8));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Session s = TestSessions.session().session();
        try (org.jline.terminal.Terminal t = new org.jline.terminal.impl.DumbTerminal("test", org.jline.terminal.Terminal.TYPE_DUMB,
                new java.io.ByteArrayInputStream(in.toByteArray()), out, StandardCharsets.UTF_8)) {
            new Repl(t, s, null).run();
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        long errors = printed.lines().filter(l -> l.contains("error: ")).count();
        assertEquals(typed.size() + 1, errors, printed);
        assertTrue(printed.contains("undecodable byte"), printed);
        assertFalse(printed.contains("\tat ") || printed.contains("Exception"), printed);
        assertFalse(s.quitRequested(), "'quit now' must not quit");
        assertTrue(printed.substring(printed.lastIndexOf("error: ")).contains("3 layers, 4 heads"), "the REPL answers afterwards");
    }

    @Test
    void theTableIsBigAndCoversEveryCommand() {
        List<Bad> rows = table();
        assertTrue(rows.size() >= 60, "rows: " + rows.size());
        Map<String, Long> byCategory = rows.stream().collect(Collectors.groupingBy(Bad::category, TreeMap::new, Collectors.counting()));
        assertTrue(byCategory.size() >= 10, byCategory.toString());
        for (Command c : Commands.registry().all()) {
            assertTrue(rows.stream().anyMatch(r -> CommandLine.firstWord(r.typed()) != null
                    && CommandLine.firstWord(r.typed()).equals(c.name())), "no bad input for " + c.name());
        }
        System.out.println("[BadInputTest] " + rows.size() + " bad inputs: " + byCategory);
    }
}
