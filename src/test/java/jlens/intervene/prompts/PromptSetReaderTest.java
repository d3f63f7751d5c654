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
import jlens.Fixture;
import jlens.model.Gpt2Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt files: both formats, and one clear FILE:LINE error for every kind of malformed input. */
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
        fails("b.jsonl", "{\"text\": \"x\", \"answer\": \"\\u0007 A B\"}\n", 1, "\\u0007");
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
}
