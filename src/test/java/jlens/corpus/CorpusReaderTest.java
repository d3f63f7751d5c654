package jlens.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.zip.GZIPOutputStream;
import jlens.Fixture;
import jlens.model.Gpt2Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corpus reader against TransformerLens's {@code tokenize_and_concatenate} written out from its definition
 * (each group of documents tokenised whole, joined with the EOS token, cut into windows, the rest dropped, a short
 * group padded with EOS, BOS in front): plain text by line and by file, JSON Lines, gzip by its magic bytes, a
 * folder in path order; a long document tokenised in pieces gives the tokens of the whole; a reader started at any
 * group's indexed position gives that group's windows.
 */
class CorpusReaderTest {
    static final int CONTEXT = 64;
    static Gpt2Tokenizer tokenizer;
    static long eos;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        tokenizer = Gpt2Tokenizer.load(Fixture.dir(), CONTEXT);
        eos = tokenizer.endOfTextId();
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** The definition: per group, documents' tokens joined with EOS, whole windows of seqLen, a short group padded. */
    static List<long[]> oracle(List<String> docs, int window, boolean bos, int group) {
        int seqLen = bos ? window - 1 : window;
        List<long[]> out = new ArrayList<>();
        for (int g = 0; g < docs.size(); g += group) {
            List<Long> tokens = new ArrayList<>();
            List<String> part = docs.subList(g, Math.min(docs.size(), g + group));
            for (int i = 0; i < part.size(); i++) {
                for (long id : tokenizer.encodeUnbounded(part.get(i))) {
                    tokens.add(id);
                }
                if (i < part.size() - 1) {
                    tokens.add(eos);
                }
            }
            int rows = tokens.size() / seqLen;
            if (tokens.size() < seqLen) {
                while (tokens.size() < seqLen) {
                    tokens.add(eos);
                }
                rows = 1;
            }
            for (int r = 0; r < rows; r++) {
                long[] w = new long[window];
                int at = 0;
                if (bos) {
                    w[at++] = eos;
                }
                for (int i = 0; i < seqLen; i++) {
                    w[at++] = tokens.get(r * seqLen + i);
                }
                out.add(w);
            }
        }
        return out;
    }

    static List<long[]> read(Corpus c, CorpusOptions o) {
        List<long[]> out = new ArrayList<>();
        try (CorpusWindows w = CorpusWindows.open(c, o, tokenizer, CONTEXT, () -> false)) {
            while (w.hasNext()) {
                out.add(w.next().ids());
            }
        }
        return out;
    }

    static void assertSameWindows(List<long[]> expected, List<long[]> actual) {
        assertEquals(expected.size(), actual.size(), "window count");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "window " + i);
        }
    }

    static String sentence(Random r) {
        String[] words = {"the", "cat", "sat", "on", "a", "mat", "and", "John", "gave", "Mary", "milk", "it's", "42", "—",
                "naïve", "漢字", "!", "?", "don't", "  ", "e.g.", "café", "\t", "🙂", "<|endoftext|>"};
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(30);
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : r.nextInt(9) == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
        }
        return b.toString();
    }

    static List<String> docs(long seed, int n) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(r.nextInt(10) == 0 ? "" : sentence(r));
        }
        return out;
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(plain);
        }
        return b.toByteArray();
    }

    @Test
    void linesMatchTheDefinitionForEveryWindowBosAndGroup() throws IOException {
        List<String> docs = docs(1, 57);
        Path file = Files.writeString(tmp.resolve("c.txt"), String.join("\n", docs) + "\n");
        Corpus c = Corpus.open(file, CorpusOptions.Documents.AUTO);
        assertFalse(c.files().get(0).wholeFile());
        for (int window : new int[] {2, 7, 16, 64}) {
            for (boolean bos : new boolean[] {true, false}) {
                for (int group : new int[] {1, 3, 10, 1000}) {
                    CorpusOptions o = CorpusOptions.defaults().withWindow(window).withBos(bos).withGroup(group);
                    assertSameWindows(oracle(docs, window, bos, group), read(c, o));
                }
            }
        }
        // the context by default
        assertSameWindows(oracle(docs, CONTEXT, true, 1000), read(c, CorpusOptions.defaults()));
    }

    @Test
    void jsonLinesGzipAndFoldersInPathOrder() throws IOException {
        List<String> docs = docs(2, 40);
        StringBuilder jsonl = new StringBuilder();
        for (String d : docs) {
            jsonl.append("{\"id\": 7, \"meta\": {\"a\": [1, 2]}, \"text\": ").append(json(d)).append("}\n\n");
        }
        Path dir = Files.createDirectories(tmp.resolve("dir"));
        // named .txt but gzip inside: known by its magic bytes
        Files.write(dir.resolve("b-part.jsonl"), gzip(jsonl.toString().getBytes(StandardCharsets.UTF_8)));
        Files.writeString(dir.resolve("a.txt"), "first file\nwhole"); // one document: a folder's .txt is a whole file
        Files.writeString(dir.resolve("README.md"), "not a corpus file");
        Corpus c = Corpus.open(dir, CorpusOptions.Documents.AUTO);
        assertEquals(2, c.files().size());
        assertEquals(1, c.ignored());
        assertTrue(c.files().get(0).wholeFile() && !c.files().get(0).gzip());
        assertTrue(c.files().get(1).jsonLines() && c.files().get(1).gzip());
        List<String> all = new ArrayList<>(List.of("first file\nwhole"));
        all.addAll(docs);
        CorpusOptions o = CorpusOptions.defaults().withWindow(12).withGroup(5);
        assertSameWindows(oracle(all, 12, true, 5), read(c, o));
        // by line, the folder's text file is two documents
        Corpus byLine = Corpus.open(dir, CorpusOptions.Documents.LINE);
        List<String> lines = new ArrayList<>(List.of("first file", "whole"));
        lines.addAll(docs);
        assertSameWindows(oracle(lines, 12, true, 5), read(byLine, o));
    }

    @Test
    void aGzipNameWithoutGzipInsideIsReadAsItIs() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain.txt.gz"), "one line\nanother line\n");
        Corpus c = Corpus.open(file, CorpusOptions.Documents.AUTO);
        assertFalse(c.files().get(0).gzip());
        assertSameWindows(oracle(List.of("one line", "another line"), 4, false, 1000),
                read(c, CorpusOptions.defaults().withWindow(4).withBos(false)));
        Path gz = Files.write(tmp.resolve("noext"), gzip("{\"text\": \"json inside gzip\"}\n".getBytes(StandardCharsets.UTF_8)));
        Corpus g = Corpus.open(gz, CorpusOptions.Documents.AUTO);
        assertTrue(g.files().get(0).gzip() && g.files().get(0).jsonLines());
    }

    @Test
    void longDocumentsTokenisedInPiecesGiveTheWholesTokens() {
        Random r = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            StringBuilder b = new StringBuilder();
            int n = 5 + r.nextInt(60);
            for (int i = 0; i < n; i++) {
                b.append(sentence(r)).append(r.nextInt(4) == 0 ? "\n" : r.nextInt(6) == 0 ? " \n " : r.nextInt(5) == 0 ? "\n\n" : " ");
            }
            String text = b.toString();
            int[] cuts = TokenPieces.cuts(text, 16 + r.nextInt(64), 100_000);
            assertTrue(cuts != null && cuts.length > 2, "cut somewhere: " + text.length());
            List<Long> pieces = new ArrayList<>();
            for (int i = 0; i + 1 < cuts.length; i++) {
                for (long id : tokenizer.encodeUnbounded(text.substring(cuts[i], cuts[i + 1]))) {
                    pieces.add(id);
                }
            }
            long[] whole = tokenizer.encodeUnbounded(text);
            assertArrayEquals(whole, pieces.stream().mapToLong(Long::longValue).toArray(), text);
        }
        assertEquals(null, TokenPieces.cuts("x".repeat(300), 16, 200), "no cut point: refused");
    }

    @Test
    void aReaderStartedAtAnyGroupGivesThatGroupsWindows() throws IOException {
        List<String> docs = docs(4, 90);
        StringBuilder text = new StringBuilder("\ufeff"); // a byte order mark, dropped
        docs.forEach(d -> text.append(d).append("\r\n"));
        Path dir = Files.createDirectories(tmp.resolve("parts"));
        Files.write(dir.resolve("x1.txt.gz"), gzip(text.substring(0, text.length() / 2).getBytes(StandardCharsets.UTF_8)));
        Files.writeString(dir.resolve("x2.txt"), text.substring(text.length() / 2));
        Corpus c = Corpus.open(dir, CorpusOptions.Documents.LINE);
        CorpusOptions o = CorpusOptions.defaults().withWindow(9).withGroup(7);
        List<Window> whole = new ArrayList<>();
        try (CorpusWindows w = CorpusWindows.open(c, o, tokenizer, CONTEXT, () -> false)) {
            w.forEachRemaining(whole::add);
        }
        CorpusIndex index = CorpusIndex.build(c, o, () -> false);
        assertEquals(whole.get(whole.size() - 1).group() + 1, index.groups());
        for (int g = 0; g < index.groups(); g++) {
            List<Window> part = new ArrayList<>();
            try (CorpusWindows w = CorpusWindows.open(c, o, tokenizer, CONTEXT, index.starts().get(g), 1, () -> false)) {
                w.forEachRemaining(part::add);
            }
            long group = g;
            List<Window> expected = whole.stream().filter(x -> x.group() == group).toList();
            assertEquals(expected.size(), part.size(), "group " + g);
            for (int i = 0; i < part.size(); i++) {
                assertEquals(group, part.get(i).group());
                assertArrayEquals(expected.get(i).ids(), part.get(i).ids(), "group " + g + " window " + i);
            }
        }
        // two groups at once, from a start in the middle of the gzip file
        List<Window> two = new ArrayList<>();
        try (CorpusWindows w = CorpusWindows.open(c, o, tokenizer, CONTEXT, index.starts().get(3), 2, () -> false)) {
            w.forEachRemaining(two::add);
        }
        assertEquals(whole.stream().filter(x -> x.group() == 3 || x.group() == 4).count(), two.size());
    }

    @Test
    void batchesStayInOneGroupAndTheTokenLimitCounts() throws IOException {
        Path file = Files.writeString(tmp.resolve("b.txt"), String.join("\n", docs(5, 60)));
        Corpus c = Corpus.open(file, CorpusOptions.Documents.AUTO);
        CorpusOptions o = CorpusOptions.defaults().withWindow(8).withGroup(6);
        try (CorpusWindows w = CorpusWindows.open(c, o, tokenizer, CONTEXT, () -> false)) {
            for (List<Window> b = w.nextBatch(4); !b.isEmpty(); b = w.nextBatch(4)) {
                assertTrue(b.size() <= 4);
                long first = b.get(0).group();
                assertTrue(b.stream().allMatch(x -> x.group() == first), "one group per batch");
            }
            assertEquals(w.progress().windows() * 8, w.progress().tokens());
            assertEquals(60, w.progress().documents());
        }
        assertEquals(5, read(c, o.withMaxTokens(40)).size(), "40 tokens: five windows of 8");
        assertEquals(1, read(c, o.withMaxTokens(3)).size(), "at least one window");
    }

    @Test
    void badDocumentsAreRefusedWithTheirLineOrSkipped() throws IOException {
        Path file = Files.writeString(tmp.resolve("bad.txt"), "fine\nalso fine\nan \u001b[2J escape\nlast\n");
        Corpus c = Corpus.open(file, CorpusOptions.Documents.AUTO);
        CorpusFileException e = assertThrows(CorpusFileException.class, () -> read(c, CorpusOptions.defaults().withWindow(4)));
        assertTrue(e.getMessage().startsWith(file + ":3: the document has control character U+001B"), e.getMessage());
        assertTrue(e.getMessage().contains("--skip-bad"), e.getMessage());
        CorpusOptions skip = CorpusOptions.defaults().withWindow(4).withSkipBad(true).withBos(false);
        assertSameWindows(oracle(List.of("fine", "also fine", "last"), 4, false, 1000), read(c, skip));
        Path json = Files.writeString(tmp.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n{\"txt\": \"typo\"}\n");
        CorpusFileException je = assertThrows(CorpusFileException.class,
                () -> read(Corpus.open(json, CorpusOptions.Documents.AUTO), CorpusOptions.defaults()));
        assertEquals(json + ":2: no \"text\" field; each line needs {\"text\": \"...\"}", je.getMessage());
    }

    @Test
    void anInterruptStopsReading() throws IOException {
        Path file = Files.writeString(tmp.resolve("i.txt"), String.join("\n", docs(6, 50)));
        Corpus c = Corpus.open(file, CorpusOptions.Documents.AUTO);
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, () -> read(c, CorpusOptions.defaults()));
        } finally {
            Thread.interrupted();
        }
        assertThrows(CancellationException.class, () -> {
            try (CorpusWindows w = CorpusWindows.open(c, CorpusOptions.defaults(), tokenizer, CONTEXT, () -> true)) {
                w.hasNext();
            }
        });
    }
}
