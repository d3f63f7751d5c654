package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import jlens.Fixture;
import jlens.analysis.LogProbs;
import jlens.model.CheckpointFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile text from a model and hostile Java lines: a tokenizer whose token is an escape sequence (clipboard
 * write, clear screen) shows it as visible text everywhere it is printed; Java lines that overflow the stack,
 * exhaust the heap, nest thousands deep or call System.exit each give one line and the session goes on.
 */
class HostileInputTest {
    @TempDir
    Path tmp;

    @Test
    void aTokenThatIsAnEscapeSequenceIsPrintedVisibly() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        b.exec(TestSessions.textLine());
        // the model's two likeliest next tokens at -2 get the ids' strings swapped with the byte tokens for ESC and
        // BEL (GPT-2's byte-level alphabet writes byte 0x1b as 'ě' and 0x07 as 'ć'): they now decode to control bytes
        LogProbs.AtPosition lp = b.session().workspace().logprobs(-2, 5);
        Path dir = CheckpointFiles.copyWithoutWeights(Fixture.dir(), tmp.resolve("hostile"));
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        JsonObject t = JsonParser.parseString(Files.readString(dir.resolve("tokenizer.json"))).getAsJsonObject();
        JsonObject vocab = t.getAsJsonObject("model").getAsJsonObject("vocab");
        String[] bytes = {"ě", "ć"};
        for (int k = 0; k < 2; k++) {
            long top = lp.top().get(k).id();
            String topKey = vocab.entrySet().stream().filter(e -> e.getValue().getAsLong() == top).findFirst().orElseThrow().getKey();
            long byteId = vocab.get(bytes[k]).getAsLong();
            vocab.addProperty(topKey, byteId);
            vocab.addProperty(bytes[k], top);
        }
        Files.writeString(dir.resolve("tokenizer.json"), t.toString());
        b.take();
        b.exec("load " + dir, TestSessions.textLine(), "logprobs", "hook pattern0", "run", "pattern 0 0", "tokens");
        String out = b.take(); // audited: no control character but jlens's own colour escapes
        assertTrue(out.contains("\"␛\"") && out.contains("\"␇\""), "the tokens are shown as visible characters: " + out);
    }

    @Test
    void javaLinesThatThrowErrorsLeaveTheSessionRunning() throws Exception {
        String deep = "int deep = " + "1+".repeat(3000) + "1;";
        String out = ReplTerminalTest.drive(TestSessions.session().session(), null,
                deep,
                "deep",
                "int down(int n) { return down(n + 1) + 1; }",
                "down(0)",
                "long[] huge = new long[Integer.MAX_VALUE - 8];",
                "System.exit(3)",
                "Runtime.getRuntime().halt(3);",
                "String s = \"System.exit(1) is only text\";",
                "s.length()",
                "model");
        assertTrue(out.contains("deep ==> 3001"), "a few KB of expression compiles: " + out);
        assertTrue(out.contains("error: Java threw StackOverflowError"), out);
        assertTrue(out.contains("error: Java threw OutOfMemoryError"), out);
        assertEquals(2, out.split("System.exit would end jlens", -1).length - 1, out);
        assertTrue(out.contains("==> 27"), "a string that mentions exit is no call: " + out);
        assertTrue(out.contains("3 layers, 4 heads"), "the session goes on: " + out);
    }

    @Test
    void anArrayOfAReplacedRunGivesOneLineNotACrash() {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook q0", "run",
                "var q = ws.activation(\"blocks.0.attn.hook_q\");", "run");
        b.take();
        UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> b.exec("q.sum()"));
        assertTrue(e.getMessage().startsWith("Java threw IllegalStateException: Native resource has been released"),
                e.getMessage());
        assertTrue(e.getMessage().contains("ws.activation(name, manager)"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        // a copy in the user's own manager outlives the runs
        b.exec("var mine = NDManager.newBaseManager();", "var kept = ws.activation(\"blocks.0.attn.hook_q\", mine);", "run",
                "kept.sum().getFloat()");
        assertTrue(b.take().matches("(?s).*==> -?\\d.*"), "the copy is read after a later run");
        b.exec("mine.close();");
    }

    @Test
    void exitCallsAreFoundInCodeOnly() {
        assertTrue(JavaShell.callsExit("System.exit(0);"));
        assertTrue(JavaShell.callsExit("if (x) { System . exit ( 1 ); }"));
        assertTrue(JavaShell.callsExit("Runtime.getRuntime().halt(2)"));
        assertFalse(JavaShell.callsExit("println(\"System.exit(0)\")"));
        assertFalse(JavaShell.callsExit("// System.exit(0)\nint x = 1;"));
        assertFalse(JavaShell.callsExit("mySystem.exitCode()"));
        assertFalse(JavaShell.callsExit("\"" + "x".repeat(200_000) + "\".length()"), "a long literal is no trouble");
    }
}
