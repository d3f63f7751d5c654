package jlens.corpus;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Where each document group of a corpus starts, found by reading the documents once without tokenising them (a
 * corpus is read at disk speed; the model is thousands of times slower). A cluster splits the corpus by groups: a
 * part is a range of groups, read from its first group's position ({@link CorpusWindows#open(Corpus, CorpusOptions,
 * jlens.model.Gpt2Tokenizer, int, CorpusPosition, long, BooleanSupplier)}), so its windows are the windows a reader
 * from the start gives for those groups, wherever it runs.
 *
 * @param group documents per group
 * @param starts the position of every group's first document, in order
 * @param documents documents in the corpus
 * @param skipped documents skipped ({@code --skip-bad})
 */
public record CorpusIndex(int group, List<CorpusPosition> starts, long documents, long skipped) implements Serializable {
    public CorpusIndex {
        starts = List.copyOf(starts);
    }

    public static CorpusIndex build(Corpus corpus, CorpusOptions options, BooleanSupplier cancelled) {
        List<CorpusPosition> starts = new ArrayList<>();
        try (DocumentReader r = new DocumentReader(corpus, options.skipBad(), CorpusPosition.START)) {
            long n = 0;
            while (true) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("cancelled");
                }
                CorpusPosition at = r.position();
                if (r.next() == null) {
                    return new CorpusIndex(options.group(), starts, n, r.skipped());
                }
                if (n % options.group() == 0) {
                    starts.add(at);
                }
                n++;
            }
        }
    }

    public int groups() {
        return starts.size();
    }

    /**
     * {@code parts} ranges of groups as even as they come, {@code [from, to)} each; fewer when there are fewer groups.
     */
    public List<int[]> parts(int parts) {
        List<int[]> out = new ArrayList<>();
        int g = groups();
        int n = Math.max(1, Math.min(parts, g));
        for (int i = 0; i < n && g > 0; i++) {
            out.add(new int[] {(int) ((long) g * i / n), (int) ((long) g * (i + 1) / n)});
        }
        return out;
    }
}
