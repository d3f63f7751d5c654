package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import jlens.Fixture;
import jlens.corpus.Corpus;
import jlens.corpus.CorpusFileException;
import jlens.corpus.CorpusOptions;
import jlens.corpus.CorpusResults;
import jlens.corpus.CorpusWindows;
import jlens.corpus.Window;
import jlens.model.Gpt2Tokenizer;
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
 * A fuzzer over corpora, plugged into {@link UntrustedFileContract}: text and JSON Lines files of hostile lines
 * ({@link HostileText}), broken JSON, bytes that are not UTF-8, gzip that is cut short or only has gzip's name, with
 * and without {@code --skip-bad}. Each corpus gives windows of the right length and vocabulary, or one
 * {@link CorpusFileException} line naming FILE:LINE; reading stops at an interrupt. Corpus result files
 * ({@code corpus show}) get the same treatment. The seed is fixed.
 */
class CorpusFileFuzzTest {
    static final int TRIES = 150;
    static final int CONTEXT = 64;
    static Gpt2Tokenizer tokenizer;
    static Path root;
    static final AtomicInteger files = new AtomicInteger();
    static final AtomicInteger read = new AtomicInteger();
    static final AtomicInteger refused = new AtomicInteger();

    @BeforeContainer
    static void load() throws IOException {
        tokenizer = Gpt2Tokenizer.load(Fixture.dir(), CONTEXT);
        root = Files.createTempDirectory("jlens-corpus-fuzz");
    }

    @AfterContainer
    static void close() throws IOException {
        tokenizer.close();
        try (var s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        System.out.println("[CorpusFileFuzzTest] " + files.get() + " corpora: " + read.get() + " read, " + refused.get()
                + " refused in one line");
    }

    static Arbitrary<String> line() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, HostileText.text()),
                net.jqwik.api.Tuple.of(4, HostileText.text().map(t -> "{\"text\": " + HostileText.json(t) + ", \"meta\": [1, {\"x\": null}]}")),
                net.jqwik.api.Tuple.of(2, Arbitraries.of("{\"text\": ", "{\"text\": 5}", "[1, 2]", "{\"text\": \"a\", \"text\": \"b\"}",
                        "{\"text\": \"x\"} trailing", "{" .repeat(200), "{\"text\": \"a\\ud800b\"}", "{\"meta\": 1}", "")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("word ".repeat(50_000), "x".repeat(70_000))));
    }

    record CorpusCase(String name, List<String> lines, boolean gzip, boolean cut, int badByteAt, boolean skipBad, int window) {}

    @Provide
    Arbitrary<CorpusCase> corpora() {
        return Combinators.combine(Arbitraries.of("c.txt", "c.jsonl", "c.json.gz", "c.data"), line().list().ofMinSize(0).ofMaxSize(6),
                Arbitraries.of(false, true), Arbitraries.of(false, false, true), Arbitraries.integers().between(-3, 40),
                Arbitraries.of(false, true), Arbitraries.of(0, 2, 5, 64)).as(CorpusCase::new);
    }

    static List<Window> windows(Path file, CorpusOptions o) {
        Corpus c = Corpus.open(file, o.documents());
        List<Window> out = new ArrayList<>();
        try (CorpusWindows w = CorpusWindows.open(c, o, tokenizer, CONTEXT, () -> false)) {
            w.forEachRemaining(out::add);
        }
        return out;
    }

    @Property(tries = TRIES, seed = "20270126", shrinking = ShrinkingMode.OFF)
    void everyCorpusIsReadOrRefusedInOneLine(@ForAll("corpora") CorpusCase c) throws IOException {
        Path dir = Files.createDirectories(root.resolve(Integer.toString(files.incrementAndGet())));
        Path file = dir.resolve(c.name());
        byte[] content = String.join("\n", c.lines()).getBytes(StandardCharsets.UTF_8);
        if (c.badByteAt() >= 0 && c.badByteAt() < content.length) {
            content[c.badByteAt()] = (byte) 0xff;
        }
        if (c.gzip()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (OutputStream out = new GZIPOutputStream(b)) {
                out.write(content);
            }
            content = b.toByteArray();
            if (c.cut()) {
                content = java.util.Arrays.copyOf(content, Math.max(2, content.length / 2));
            }
        }
        Files.write(file, content);
        CorpusOptions o = CorpusOptions.defaults().withWindow(c.window()).withSkipBad(c.skipBad()).withGroup(2);
        Optional<List<Window>> got = UntrustedFileContract.read(file, f -> windows(f, o), CorpusFileException.class);
        if (got.isPresent()) {
            read.incrementAndGet();
            int w = c.window() == 0 ? CONTEXT : c.window();
            for (Window win : got.get()) {
                assertTrue(win.length() == w, "windows of " + w);
                for (long id : win.ids()) {
                    assertTrue(id >= 0 && id < tokenizer.vocabSize(), "id " + id);
                }
            }
            UntrustedFileContract.stopsWhenInterrupted(file, f -> windows(f, o));
        } else {
            refused.incrementAndGet();
        }
        // the same bytes as a corpus result: refused in one line (none of them is one)
        UntrustedFileContract.read(file, CorpusResults::read, CorpusFileException.class);
    }
}
