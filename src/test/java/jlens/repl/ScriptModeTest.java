package jlens.repl;

import jlens.OutputAudit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jlens.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scripts and -c lines: run without a terminal, exit 0 or stop at the first failing line with FILE:LINE. */
class ScriptModeTest {
    @TempDir
    Path tmp;

    record Outcome(int status, String out, String err) {}

    /** Runs the command line in-process, as {@code ./jlens ARGS} would. */
    static Outcome cli(String... args) {
        PrintStream savedOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Cli.parse(args).execute(new PrintWriter(err, true));
        } finally {
            System.setOut(savedOut);
        }
        return new Outcome(status, OutputAudit.check(out.toString(StandardCharsets.UTF_8)), OutputAudit.check(err.toString()));
    }

    @Test
    void scriptRunsAndExitsZero() throws Exception {
        Path script = tmp.resolve("ok.jsh");
        Files.writeString(script, """
                // the notebook's set-up, as a script
                model
                %s
                hook layer all
                run
                # Java lines mix in
                var n = session.workspace().ids().length;
                System.out.println("tokens: " + n);
                split qkv -2
                """.formatted(TestSessions.textLine()));
        Outcome o = cli("--model", Fixture.dir().toString(), script.toString());
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains("tokens: 30"), o.out());
        assertTrue(o.out().contains("layer 1 c_attn output [30, 96]"), o.out());
        assertFalse(o.out().contains("\u001b["), "plain text without a terminal");
        assertEquals("", o.err());
    }

    @Test
    void firstFailingLineStopsTheScriptWithItsLocation() throws Exception {
        Path script = tmp.resolve("bad.jsh");
        Files.writeString(script, "model\n\n" + TestSessions.textLine() + "\nhist 7\nmodel\n");
        Outcome o = cli("--model", Fixture.dir().toString(), script.toString());
        assertEquals(1, o.status());
        assertEquals(script + ":4: layer 7 is out of range: the model has 3 layers, so use 0..2 or -3..-1\n", o.err());
        assertEquals(1, o.out().split("3 layers, 4 heads", -1).length - 1, "stopped before line 5");
    }

    @Test
    void dashCLinesAreNumberedInOrder() {
        Outcome o = cli("--model", Fixture.dir().toString(), "-c", "model", "-c", "text \"hi there\"", "-c", "tokens 3");
        assertEquals(1, o.status());
        assertEquals("-c:3: unexpected '3'; usage: tokens\n", o.err());
        assertTrue(o.out().contains("2 tokens"), o.out());
    }

    @Test
    void javaFailureInAMultiLineSnippetPointsAtItsFirstLine() throws Exception {
        Path script = tmp.resolve("java.jsh");
        Files.writeString(script, "int f(int x) {\n  return x / 0;\n}\nf(2)\n");
        Outcome o = cli("--model", Fixture.dir().toString(), script.toString());
        assertEquals(1, o.status());
        assertEquals(script + ":4: Java threw ArithmeticException: / by zero\n", o.err());
    }

    @Test
    void sourcedFileFailureNamesTheInnerLine() throws Exception {
        Path inner = tmp.resolve("inner.jsh");
        Files.writeString(inner, "model\nbogus\n");
        Path outer = tmp.resolve("outer.jsh");
        Files.writeString(outer, "source " + inner + "\n");
        Outcome o = cli("--model", Fixture.dir().toString(), outer.toString());
        assertEquals(1, o.status());
        assertTrue(o.err().startsWith(outer + ":1: " + inner + ":2: unknown command 'bogus'"), o.err());
    }

    /** A script with the shape of the examples: a heading comment, steps with what to look for, and Java. */
    private Path teachingScript() throws Exception {
        Path script = tmp.resolve("steps.jsh");
        Files.writeString(script, """
                // A walk in two steps.


                // 1. The model: look for the layer count.
                model
                # 2. Java runs too; a snippet over several lines shows as typed.
                int twice(int x) {
                  return 2 * x;
                }
                System.out.println("twice: " + twice(21));
                """);
        return script;
    }

    @Test
    void scriptsShowEachLineAndCommentBeforeItsOutput() throws Exception {
        Outcome o = cli("--model", Fixture.dir().toString(), teachingScript().toString());
        assertEquals(0, o.status(), o.err());
        String expected = """
                // A walk in two steps.

                // 1. The model: look for the layer count.
                jlens> model
                """;
        assertTrue(o.out().startsWith(expected), o.out());
        int answer = o.out().indexOf("3 layers, 4 heads");
        int java = o.out().indexOf("""
                # 2. Java runs too; a snippet over several lines shows as typed.
                jlens> int twice(int x) {
                  ...>   return 2 * x;
                  ...> }
                jlens> System.out.println("twice: " + twice(21));
                twice: 42
                """);
        assertTrue(answer > expected.length() && java > answer, o.out());
    }

    @Test
    void quietScriptsShowOnlyTheirOutput() throws Exception {
        Path script = teachingScript();
        Outcome o = cli("--quiet", "--model", Fixture.dir().toString(), script.toString());
        assertEquals(0, o.status(), o.err());
        assertFalse(o.out().contains("jlens>") || o.out().contains("//") || o.out().contains("#"), o.out());
        assertTrue(o.out().contains("3 layers, 4 heads") && o.out().contains("twice: 42"), o.out());
        Outcome c = cli("--model", Fixture.dir().toString(), "-c", "model");
        assertFalse(c.out().contains("jlens>"), "a -c line is on the command line already: " + c.out());
    }

    @Test
    void sourceShowsTheFileUnlessQuietAndAQuietFileSourcesQuietly() throws Exception {
        Path script = teachingScript();
        TestSessions.Buffered b = TestSessions.session();
        b.exec("source " + script);
        String shown = b.take();
        assertTrue(shown.contains("// 1. The model: look for the layer count.\njlens> model\n"), shown);
        b.exec("source --quiet " + script);
        String quiet = b.take();
        assertFalse(quiet.contains("jlens>"), quiet);
        assertTrue(quiet.contains("twice: 42"), quiet);
        Path outer = tmp.resolve("outer.jsh");
        Files.writeString(outer, "// outer\nsource " + script + "\n");
        b.exec("source " + outer + " --quiet");
        assertFalse(b.take().contains("jlens>"), "what a quiet file sources is quiet too");
        b.exec("source " + outer);
        String nested = b.take();
        assertTrue(nested.startsWith("// outer\njlens> source " + script + "\n// A walk in two steps."), nested);
    }

    @Test
    void badOptionsAndModels() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Cli.parse(new String[] {"--frob"}));
        Outcome o = cli("--model", tmp.resolve("nope").toString(), "-c", "model");
        assertEquals(1, o.status());
        assertTrue(o.err().contains("no such folder"), o.err());
        Outcome q = cli("--model", Fixture.dir().toString(), "-c", "quit", "-c", "bogus");
        assertEquals(0, q.status(), "quit ends a script successfully");
    }

    @Test
    void quotedTextRoundTrips() {
        assertEquals(List.of("text", "a\nb \"c\""), Words.split("text \"a\\nb \\\"c\\\"\""));
        assertEquals(Fixture.text(), Words.split(TestSessions.textLine()).get(1));
        // a word that starts with # starts a comment, as the README's lines have them; a quoted # is text
        assertEquals(List.of("hist", "5"), Words.split("hist 5     # Q/K/V densities of layer 5"));
        assertEquals(List.of("text", "a # b", "c#d"), Words.split("text \"a # b\" c#d #"));
    }
}
