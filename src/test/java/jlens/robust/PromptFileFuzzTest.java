package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import jlens.Fixture;
import jlens.intervene.prompts.Prompt;
import jlens.intervene.prompts.PromptFileException;
import jlens.intervene.prompts.PromptSet;
import jlens.intervene.prompts.PromptSetReader;
import jlens.model.Gpt2Tokenizer;
import jlens.model.TextCharacters;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A fuzzer over prompt files, text and JSON Lines: lines of hostile text ({@link HostileText}), JSON objects with
 * any subset of the fields holding hostile strings or values of the wrong type, broken JSON, lines longer than any
 * context, bytes that are not UTF-8, a byte order mark, CRLF line ends. Each file must meet
 * {@link UntrustedFileContract}: a set whose every prompt has only characters {@code text} takes and fits the
 * context, or one {@link PromptFileException} line naming FILE:LINE; and reading stops at an interrupt. The seed is
 * fixed so CI repeats the same inputs; {@link #TRIES} of them, counted and printed.
 */
class PromptFileFuzzTest {
    static final int TRIES = 200;
    static final int CONTEXT = 64;
    static Gpt2Tokenizer tokenizer;
    static Path root;
    static final UntrustedFileContract.Tally tally = new UntrustedFileContract.Tally();

    @BeforeContainer
    static void load() throws IOException {
        tokenizer = Gpt2Tokenizer.load(Fixture.dir(), CONTEXT);
        root = UntrustedFileContract.folder("jlens-prompt-fuzz");
    }

    @AfterContainer
    static void close() throws IOException {
        tokenizer.close();
        tally.end("PromptFileFuzzTest", root);
    }

    /** A JSON value for a field: mostly a hostile string, sometimes the wrong type. */
    static Arbitrary<String> value() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, HostileText.text().map(HostileText::json)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("1", "-0.5", "true", "null", "[\" Mary\"]", "{}", "\"\"", "1e999")));
    }

    static Arbitrary<String> jsonLine() {
        Arbitrary<String> field = Combinators.combine(
                Arbitraries.of("text", "text", "corrupt", "answer", "wrong", "anwser", "\u001b[31m", "text"), value())
                .as((k, v) -> HostileText.json(k) + ": " + v);
        return field.list().ofMinSize(0).ofMaxSize(5).map(fs -> "{" + String.join(", ", fs) + "}");
    }

    static Arbitrary<String> line() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, HostileText.text()),
                net.jqwik.api.Tuple.of(5, jsonLine()),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("{\"text\": ", "{\"text\": \"x\"} trailing", "[1, 2]", "{'text': 'x'}",
                        "{\"text\": \"a\\ud800b\"}", "{\"text\": \"" + "deep ".repeat(2000) + "\"}")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("word ".repeat(300_000), "{\"text\": \"" + "x".repeat(400_000) + "\"}")),
                net.jqwik.api.Tuple.of(3, Arbitraries.of("When Mary and John went to the store, John gave a drink to",
                        "{\"text\": \"When Mary and John went\", \"answer\": \" Mary\", \"wrong\": \" John\"}", "", "   ")));
    }

    record FileCase(String name, List<String> lines, boolean bom, boolean crlf, int badByteAt) {}

    @Provide
    Arbitrary<FileCase> files() {
        return Combinators.combine(Arbitraries.of("p.txt", "p.jsonl", "p.prompts", "p.json"), line().list().ofMinSize(0).ofMaxSize(6),
                Arbitraries.of(false, false, true), Arbitraries.of(false, true), Arbitraries.integers().between(-3, 40))
                .as(FileCase::new);
    }

    @Property(tries = TRIES, seed = "20270127", shrinking = ShrinkingMode.OFF)
    void everyPromptFileIsReadOrRefusedInOneLine(@ForAll("files") FileCase c) throws IOException {
        Path dir = Files.createDirectories(root.resolve(Integer.toString(tally.files.incrementAndGet())));
        Path file = dir.resolve(c.name());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (c.bom()) {
            bytes.write(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
        }
        bytes.write(String.join(c.crlf() ? "\r\n" : "\n", c.lines()).getBytes(StandardCharsets.UTF_8));
        byte[] content = bytes.toByteArray();
        if (c.badByteAt() >= 0 && c.badByteAt() < content.length) {
            content[c.badByteAt()] = (byte) 0xff; // not UTF-8
        }
        Files.write(file, content);
        PromptSetReader reader = new PromptSetReader(tokenizer, CONTEXT);
        Optional<PromptSet> set = UntrustedFileContract.read(file, reader::read, PromptFileException.class);
        if (set.isPresent()) {
            tally.read.incrementAndGet();
            for (Prompt p : set.get().prompts()) {
                assertTrue(TextCharacters.problem(p.text()).isEmpty() && p.ids().length <= CONTEXT, p.text());
                assertTrue(p.corrupt() == null || TextCharacters.problem(p.corrupt()).isEmpty(), p.corrupt());
            }
            UntrustedFileContract.stopsWhenInterrupted(file, reader::read);
        } else {
            tally.refused.incrementAndGet();
        }
    }
}
