package jlens.corpus;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import jlens.Fixture;
import jlens.model.Gpt2Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a corpus holds one document at a time: over a generated corpus of 4 MB of text (gzipped JSON Lines, so
 * the decompression's buffers are in it too), the heap in use after a collection stays where it was after the first
 * 3000 windows, whatever has been read since.
 */
class CorpusMemoryTest {
    @TempDir
    Path tmp;

    static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void memoryStaysFlatOverALargeCorpus() throws IOException {
        Path file = tmp.resolve("big.jsonl.gz");
        Random r = new Random(9);
        long chars = 0;
        try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(file)),
                StandardCharsets.UTF_8))) {
            while (chars < 4_000_000) {
                String doc = CorpusReaderTest.sentence(r) + " " + CorpusReaderTest.sentence(r) + (r.nextInt(50) == 0 ? " x".repeat(40_000) : "");
                w.write("{\"text\": " + CorpusReaderTest.json(doc) + "}\n");
                chars += doc.length();
            }
        }
        try (Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(Fixture.dir(), 64)) {
            Corpus c = Corpus.open(file, CorpusOptions.Documents.AUTO);
            List<Long> used = new ArrayList<>();
            long windows = 0;
            try (CorpusWindows w = CorpusWindows.open(c, CorpusOptions.defaults(), tokenizer, 64, () -> false)) {
                while (w.hasNext()) {
                    w.next();
                    if (++windows % 3000 == 0) {
                        used.add(usedAfterGc());
                    }
                }
            }
            long first = used.get(0);
            long max = used.stream().mapToLong(Long::longValue).max().orElseThrow();
            System.out.println("[CorpusMemoryTest] " + windows + " windows from " + chars + " characters; heap after GC every 3000 windows (MB): "
                    + used.stream().map(u -> Long.toString(u >> 20)).toList());
            assertTrue(max - first < 8L << 20, "the heap grew by " + ((max - first) >> 20) + " MB while reading: " + used);
            assertTrue(windows > 25_000, "windows: " + windows);
        }
    }
}
