package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per kind of user error: each gives one line that says what to do, and leaves the session as it was.
 */
class ErrorClassTest {
    @TempDir
    Path tmp;

    TestSessions.Buffered b;

    @BeforeEach
    void session() {
        b = TestSessions.session();
    }

    /** Runs a bad line: it must fail with a one-line message containing {@code expected}, changing nothing. */
    private String fails(String line, String expected) {
        TestSessions.State before = TestSessions.state(b.session());
        UserError e = assertThrows(UserError.class, () -> b.session().interpreter().run(line));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("Java") || !e.getMessage().contains("Exception"), "no exception names: " + e.getMessage());
        assertEquals(before, TestSessions.state(b.session()), "state unchanged after: " + line);
        return e.getMessage();
    }

    private void ready() {
        b.exec(TestSessions.textLine(), "hook layer all", "run");
        b.take();
    }

    @Test
    void unknownCommandSuggestsTheClosestOne() {
        assertEquals("unknown command 'hsit'; did you mean 'hist'?", fails("hsit 5", "did you mean 'hist'"));
        fails("tokns", "did you mean 'tokens'");
        fails("frobnicate 3", "'help' lists the commands");
    }

    @Test
    void missingAndBadArguments() {
        ready();
        fails("hook", "missing what to hook");
        fails("split", "missing qkv or heads; usage: split qkv [LAYER]");
        fails("split qkx", "split takes qkv or heads");
        fails("hist five", "layer must be a whole number, not 'five'");
        fails("hist 1 --range 5", "--range needs 2 values");
        fails("hist 1 --range 5 -5", "--range needs LO < HI");
        fails("hist 1 --range a 5", "LO must be a number, not 'a'");
        fails("ablate head", "missing head; usage: ablate head H|all token P");
        fails("ablate head 2 tok -2", "expected 'token', not 'tok'");
        fails("set bins many", "bins must be a whole number");
        fails("set colour purple", "color takes auto, truecolor, 256, 16 or mono");
        fails("set nope 1", "unknown setting 'nope'");
        fails("save", "missing a file name");
        fails("model extra", "unexpected 'extra'; usage: model");
        fails("hook blocks.1.attn.hook_nope", "unknown hook point");
        fails("text \"unclosed", "unclosed double quote");
        fails("text \"\"", "the text is empty");
        fails("text \"   \"", "the text is only blanks");
        fails("text \"a\u0007b\"", "control character U+0007 at character 1");
    }

    @Test
    void outOfRangeSaysTheValidRange() {
        ready();
        assertEquals("layer 3 is out of range: the model has 3 layers, so use 0..2 or -3..-1", fails("hist 3", "layer 3"));
        fails("hook layer -4", "use 0..2 or -3..-1");
        fails("pattern 1 4", "head 4 is out of range: the model has 4 heads per layer, so use 0..3 or -4..-1");
        fails("ablate head 2 token 30", "token 30 is out of range: the text has 30 tokens, so use 0..29 or -30..-1");
        fails("ablate head 2 token -31", "so use 0..29 or -30..-1");
        fails("logprobs 99999999999999999999", "position must be a whole number");
        fails("split qkv 7", "layer 7 is out of range");
    }

    @Test
    void analysesBeforeAnythingWasRunOrHooked() {
        b.exec(TestSessions.textLine());
        assertEquals("nothing has been run yet; hook something ('hook layer all') and 'run'", fails("split qkv 1", "nothing has been run"));
        fails("hist 1", "nothing has been run yet");
        b.exec("hook layer 1");
        fails("hist 1", "hooks are set but nothing has been run yet; type 'run'");
        b.exec("run");
        fails("hist 2", "blocks.2.attn.hook_qkv was not captured; 'hook blocks.2.attn.hook_qkv' (or 'hook layer all') then 'run'");
        fails("var", "layer 0's c_attn output was not captured");
    }

    @Test
    void analysesWithoutText() {
        fails("run", "no text yet; give one with text");
        fails("tokens", "no text yet");
    }

    @Test
    void saveToUnwritablePlaces() throws Exception {
        ready();
        b.exec("split qkv 1");
        fails("save " + tmp.resolve("no/such/dir/x.npy"), "does not exist");
        fails("save " + tmp, "is a folder");
        fails("save out.xyz", "unknown format '.xyz'");
        b.exec("pattern 1");
        fails("save q.csv", "has no table");
        Path locked = tmp.resolve("locked");
        Files.createDirectory(locked);
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!Files.isWritable(locked)) { // root can write anywhere; the check only means something for others
            fails("save " + locked.resolve("x.npy"), "permission denied");
        }
        Path existing = tmp.resolve("x.npy");
        Files.writeString(existing, "keep me");
        fails("save " + existing, "exists; add --force to overwrite it");
        assertEquals("keep me", Files.readString(existing));
        b.exec("save " + existing + " --force");
        assertTrue(Files.size(existing) > 128);
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp file left");
        }
    }

    @Test
    void sourceErrors() throws Exception {
        fails("source " + tmp.resolve("missing.jsh"), "no such file");
        fails("source " + tmp, "is a folder");
        Path self = tmp.resolve("self.jsh");
        Files.writeString(self, "model\nsource " + self + "\n");
        fails("source " + self, "sources itself");
    }

    @Test
    void javaErrorsAreReadable() {
        String m = fails("int x = \"text\";", "Java: incompatible types");
        assertTrue(m.startsWith("Java:"), m);
        fails("Integer.parseInt(\"x\")", "Java threw NumberFormatException");
    }

    @Test
    void loadFailureKeepsTheModel() {
        fails("load " + tmp.resolve("nothing-here"), "no such folder");
        assertEquals("tiny-gpt2", b.session().workspace().modelName());
    }
}
