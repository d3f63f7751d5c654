package jlens.intervene.prompts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import jlens.Fixture;
import jlens.model.Gpt2Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prompt files: both formats, and one clear FILE:LINE error for every kind of malformed input; the reader bounds its
 * work before doing it (a line longer than the context could hold is refused before it is tokenised), stops at a
 * cancel, and refuses the characters {@code text} refuses.
 */
class PromptSetReaderTest {
    private static final int CONTEXT = 64;
    private static Gpt2Tokenizer tokenizer;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        tokenizer = Gpt2Tokenizer.load(Fixture.dir(), CONTEXT);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private Path file(String name, String content) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }

    private PromptSet read(Path f) {
        return new PromptSetReader(tokenizer, CONTEXT).read(f);
    }

    /** The error for {@code content}: one line, starting FILE:LINE, mentioning each of {@code words}. */
    private String fails(String name, String content, int line, String... words) throws IOException {
        Path f = file(name, content);
        PromptFileException e = assertThrows(PromptFileException.class, () -> read(f));
        String m = e.getMessage();
        assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
        assertTrue(m.codePoints().noneMatch(Character::isISOControl), "no raw control characters: " + m);
        assertTrue(m.startsWith(f + (line > 0 ? ":" + line + ": " : ": ")), m);
        for (String w : words) {
            assertTrue(m.contains(w), "'" + w + "' in: " + m);
        }
        return m;
    }

    @Test
    void textFileHasOnePromptPerLine() throws IOException {
        PromptSet set = read(file("p.txt", "The cat sat\r\n\n  on the mat\n"));
        assertEquals(2, set.size());
        assertEquals("The cat sat", set.get(0).text());
        assertEquals("  on the mat", set.get(1).text(), "leading spaces are part of the prompt");
        assertEquals(3, set.get(1).line());
        assertArrayEquals(tokenizer.encode("The cat sat"), set.get(0).ids());
        assertFalse(set.hasAnswers());
    }

    @Test
    void jsonLinesCarryTheIoiFields() throws IOException {
        String line = "{\"text\": \"When Mary and John went to the store, John gave a drink to\", \"corrupt\":"
                + " \"When Mary and John went to the store, Mary gave a drink to\", \"answer\": \" Mary\", \"wrong\": \" John\"}";
        PromptSet set = read(file("p.jsonl", line + "\n\n{\"text\": \"Hello\", \"answer\": null}\n"));
        assertEquals(2, set.size());
        Prompt p = set.get(0);
        assertEquals(tokenizer.encode(" Mary")[0], p.answerId());
        assertEquals(tokenizer.encode(" John")[0], p.wrongId());
        assertEquals(p.ids().length, p.corruptIds().length);
        assertNull(set.get(1).answer());
        assertEquals(3, set.get(1).line());
        assertTrue(read(file("noext", line)).hasAnswerPairs(), "a file without extension starting with { is JSON Lines");
    }

    @Test
    void badJson() throws IOException {
        fails("a.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n", 2, "not valid JSON");
        fails("b.jsonl", "{text: 'lenient'}\n", 1, "not valid JSON");
        fails("c.jsonl", "[\"text\"]\n", 1, "JSON object");
        fails("d.jsonl", "{\"text\": \"a\"} {\"text\": \"b\"}\n", 1, "one object per line");
    }

    @Test
    void wrongFieldTypes() throws IOException {
        fails("a.jsonl", "{\"text\": 3}\n", 1, "'text'", "string", "number");
        fails("b.jsonl", "{\"text\": \"x\", \"answer\": [\" Mary\"]}\n", 1, "'answer'", "list");
    }

    @Test
    void missingTextUnknownAndRepeatedFields() throws IOException {
        fails("a.jsonl", "{\"answer\": \" Mary\"}\n", 1, "\"text\"");
        fails("b.jsonl", "{\"text\": \"x\", \"anwser\": \" Mary\"}\n", 1, "unknown field 'anwser'", "text, corrupt, answer, wrong");
        fails("c.jsonl", "{\"text\": \"x\", \"text\": \"y\"}\n", 1, "twice");
        fails("d.jsonl", "{\"text\": \"\"}\n", 1, "empty");
        fails("e.jsonl", "{\"text\": \"x\", \"wrong\": \" Mary\"}\n", 1, "needs an \"answer\"");
    }

    @Test
    void promptsOverTheContext() throws IOException {
        String longText = "word ".repeat(CONTEXT + 10);
        fails("a.txt", "short\n" + longText + "\n", 2, "context of " + CONTEXT);
        fails("b.jsonl", "{\"text\": \"x\", \"corrupt\": \"" + longText + "\"}\n", 1, "corrupted prompt", "context");
    }

    @Test
    void emptyFiles() throws IOException {
        fails("a.txt", "", 0, "empty");
        fails("b.txt", "\n  \n\n", 0, "no prompts");
        fails("c.jsonl", "\n", 0, "no prompts");
        Path missing = tmp.resolve("missing.txt");
        PromptFileException e = assertThrows(PromptFileException.class, () -> read(missing));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void answersThatAreNotOneTokenNameTheirPieces() throws IOException {
        fails("a.jsonl", "{\"text\": \"x\", \"answer\": \" Mary Ann\"}\n", 1, "answer ' Mary Ann' is 2 tokens", "' Mary', ' Ann'");
        fails("b.jsonl", "{\"text\": \"x\", \"answer\": \" Mary\", \"wrong\": \"\"}\n", 1, "wrong is empty");
    }

    @Test
    void corruptWithADifferentTokenCount() throws IOException {
        fails("a.jsonl", "{\"text\": \"When Mary went\", \"corrupt\": \"When Mary Ann went\"}\n", 1, "corrupted prompt is 4 tokens",
                "text is 3");
    }

    @Test
    void controlCharactersAndBadBytesAreNeverEchoedRaw() throws IOException {
        String m = fails("a.jsonl", "{\"text\": \"x\", \"\\u001b[31mevil\": 1}\n", 1, "unknown field", "\\u001b[31mevil");
        assertFalse(m.contains("\u001b"), m);
        fails("b.jsonl", "{\"text\": \"x\", \"answer\": \"\\u0007 A B\"}\n", 1, "answer has control character U+0007");
        Path f = tmp.resolve("c.txt");
        Files.write(f, new byte[] {'o', 'k', '\n', 'b', (byte) 0xff, 'd', '\n'});
        PromptFileException e = assertThrows(PromptFileException.class, () -> read(f));
        assertTrue(e.getMessage().startsWith(f + ":2: not UTF-8"), e.getMessage());
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstPrompt() throws IOException {
        Path f = tmp.resolve("bom.txt");
        Files.write(f, "\uFEFFHello\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("Hello", read(f).get(0).text());
    }

    // ---- bounds, cancellation and the characters text refuses ----

    private PromptFileException refused(String name, byte[] content, int line) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, content);
        PromptFileException e = assertThrows(PromptFileException.class, () -> new PromptSetReader(tokenizer, CONTEXT).read(f));
        assertTrue(e.getMessage().startsWith(f + ":" + line + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void aLineLongerThanTheContextCouldHoldIsRefusedBeforeItIsTokenised() throws IOException {
        // no tokenisation can make 4 MB fit 64 tokens: the line is refused on its length, and says so
        String huge = "word ".repeat(800_000);
        String m = refused("huge.txt", ("short prompt\n" + huge + "\n").getBytes(StandardCharsets.UTF_8), 2).getMessage();
        assertTrue(m.contains("4000000 bytes") && m.contains("context of " + CONTEXT), m);
        assertFalse(m.contains("tokens, more than"), "refused before tokenising, not after: " + m);
        String json = "{\"text\": \"x\", \"corrupt\": \"" + huge + "\"}\n";
        m = refused("huge.jsonl", json.getBytes(StandardCharsets.UTF_8), 1).getMessage();
        assertTrue(m.contains("bytes") && m.contains("context of " + CONTEXT), m);
    }

    @Test
    void readingStopsWhenCancelledAndReturnsNoSet() throws IOException {
        Path f = tmp.resolve("many.txt");
        Files.writeString(f, "a prompt of a few words\n".repeat(2000));
        Thread.currentThread().interrupt(); // what Ctrl-C does to the command's thread
        try {
            assertThrows(CancellationException.class, () -> new PromptSetReader(tokenizer, CONTEXT).read(f));
        } finally {
            Thread.interrupted();
        }
        assertEquals(2000, new PromptSetReader(tokenizer, CONTEXT).read(f).size(), "reads whole when not cancelled");
    }

    @Test
    void charactersTheTextCommandRefusesAreRefusedInFiles() throws IOException {
        String m = refused("nul.txt", "fine\nhas a \u0000 NUL\n".getBytes(StandardCharsets.UTF_8), 2).getMessage();
        assertTrue(m.contains("U+0000"), m);
        m = refused("esc.txt", "clear \u001b[2J screen\n".getBytes(StandardCharsets.UTF_8), 1).getMessage();
        assertTrue(m.contains("U+001B"), m);
        m = refused("surrogate.jsonl", "{\"text\": \"half a pair \\ud800 here\"}\n".getBytes(StandardCharsets.UTF_8), 1).getMessage();
        assertTrue(m.contains("surrogate"), m);
        m = refused("answer.jsonl", "{\"text\": \"x\", \"answer\": \" M\\u001bary\"}\n".getBytes(StandardCharsets.UTF_8), 1).getMessage();
        assertTrue(m.contains("U+001B") && m.contains("answer"), m);
        m = refused("corrupt.jsonl", "{\"text\": \"x y\", \"corrupt\": \"x\\u0000\"}\n".getBytes(StandardCharsets.UTF_8), 1).getMessage();
        assertTrue(m.contains("U+0000") && m.contains("corrupt"), m);
        Path tabs = tmp.resolve("tabs.txt");
        Files.writeString(tabs, "a\ttab is fine\n");
        assertEquals("a\ttab is fine", new PromptSetReader(tokenizer, CONTEXT).read(tabs).get(0).text());
    }
}
