package jlens.corpus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import jlens.model.Gpt2Tokenizer;

/**
 * The windows of a corpus, streamed: TransformerLens's {@code tokenize_and_concatenate} (see {@link CorpusOptions})
 * without ever holding more than one document and one window. Documents are read in groups of
 * {@link CorpusOptions#group()}; within a group each document is tokenised (a long one in pieces cut where the
 * tokenizer cuts, {@link TokenPieces}), the documents' tokens are joined with {@code <|endoftext|>}, and every
 * {@code window - 1} tokens (with BOS; {@code window} without) make a window; what is left at the group's end is
 * dropped, and a group with no full window is padded with {@code <|endoftext|>} to one.
 *
 * <p>The windows depend on the corpus and the options only: a reader started at a group's position
 * ({@link CorpusIndex}) gives that group's windows exactly as a reader from the start does, which is what lets a
 * cluster split a corpus by groups. Reading stops at an interrupt or when {@code cancelled} says so, between
 * documents, with a {@link CancellationException}; {@link #progress()} says how far it got.
 *
 * <pre>{@code
 * try (CorpusWindows w = CorpusWindows.open(corpus, options, model.tokenizer(), model.config().nPositions(), () -> false)) {
 *     for (List<Window> batch = w.nextBatch(8); !batch.isEmpty(); batch = w.nextBatch(8)) { ... }
 * }
 * }</pre>
 */
public final class CorpusWindows implements Iterator<Window>, AutoCloseable {
    /** How far a reader got. */
    public record Progress(long bytesRead, long bytesTotal, long documents, long skipped, long windows, long tokens) {}

    private final Corpus corpus;
    private final Gpt2Tokenizer tokenizer;
    private final DocumentReader reader;
    private final BooleanSupplier cancelled;
    private final int window;
    private final int seqLen;
    private final boolean bos;
    private final long eos;
    private final int groupSize;
    private final long lastGroup; // exclusive
    private final long maxWindows;
    private final ArrayDeque<Window> ready = new ArrayDeque<>();
    private final long[] buffer;
    private int filled;
    private long group;
    private int docsInGroup;
    private int windowsInGroup;
    private long windows;
    private long documents;
    private boolean ended;

    private CorpusWindows(Corpus corpus, CorpusOptions options, Gpt2Tokenizer tokenizer, int context, CorpusPosition start,
                          long groups, BooleanSupplier cancelled) {
        this.corpus = corpus;
        this.tokenizer = tokenizer;
        this.cancelled = cancelled;
        this.window = options.windowFor(context);
        this.bos = options.bos();
        this.seqLen = bos ? window - 1 : window;
        this.eos = tokenizer.endOfTextId();
        if (eos < 0) {
            throw new IllegalArgumentException("the tokenizer has no " + Gpt2Tokenizer.END_OF_TEXT
                    + " token to join documents with; a corpus needs GPT-2's tokenizer");
        }
        this.groupSize = options.group();
        if (start.document() % groupSize != 0) {
            throw new IllegalArgumentException("a reader starts at a group's first document, not at document " + start.document());
        }
        this.group = start.document() / groupSize;
        this.lastGroup = groups < 0 ? Long.MAX_VALUE : group + groups;
        this.maxWindows = options.maxTokens() == 0 ? Long.MAX_VALUE : Math.max(1, options.maxTokens() / window);
        this.buffer = new long[seqLen];
        this.reader = new DocumentReader(corpus, options.skipBad(), start);
    }

    /** Every window of the corpus, from its start. */
    public static CorpusWindows open(Corpus corpus, CorpusOptions options, Gpt2Tokenizer tokenizer, int context,
                                     BooleanSupplier cancelled) {
        return new CorpusWindows(corpus, options, tokenizer, context, CorpusPosition.START, -1, cancelled);
    }

    /** The windows of {@code groups} groups from {@code start}, a group's first document ({@link CorpusIndex}). */
    public static CorpusWindows open(Corpus corpus, CorpusOptions options, Gpt2Tokenizer tokenizer, int context,
                                     CorpusPosition start, long groups, BooleanSupplier cancelled) {
        return new CorpusWindows(corpus, options, tokenizer, context, start, groups, cancelled);
    }

    /** Tokens per window, BOS included. */
    public int window() {
        return window;
    }

    @Override
    public boolean hasNext() {
        fill();
        return !ready.isEmpty();
    }

    @Override
    public Window next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    /** Up to {@code max} next windows, all of one group (so a batch never depends on where a group starts); empty at the end. */
    public List<Window> nextBatch(int max) {
        List<Window> out = new ArrayList<>();
        while (out.size() < max && hasNext() && (out.isEmpty() || ready.peek().group() == out.get(0).group())) {
            out.add(ready.poll());
        }
        return out;
    }

    public Progress progress() {
        return new Progress(reader.bytesRead(), corpus.bytes(), documents, reader.skipped(), windows, windows * window);
    }

    private void fill() {
        while (ready.isEmpty() && !ended) {
            if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                throw new CancellationException("cancelled");
            }
            if (windows >= maxWindows) {
                ended = true;
                return;
            }
            if (docsInGroup == groupSize) {
                endGroup();
                continue;
            }
            if (group >= lastGroup) {
                ended = true;
                return;
            }
            DocumentReader.Document d = reader.next();
            if (d == null) {
                if (docsInGroup > 0) {
                    endGroup();
                }
                ended = true;
                return;
            }
            add(d);
        }
    }

    private void add(DocumentReader.Document d) {
        String text = d.text();
        int[] cuts = TokenPieces.cuts(text, TokenPieces.PIECE, TokenPieces.MAX_RUN);
        if (cuts == null) {
            throw new CorpusFileException(corpus.files().get(d.file()).file(), d.line(), "a document with no place to cut it for"
                    + " tokenising within " + (TokenPieces.MAX_RUN >> 10) + " Ki characters (a space between words or a line"
                    + " break); split it");
        }
        if (docsInGroup > 0) {
            push(eos);
        }
        docsInGroup++;
        documents++;
        for (int i = 0; i + 1 < cuts.length; i++) {
            if (cuts[i + 1] > cuts[i]) {
                for (long id : tokenizer.encodeUnbounded(text.substring(cuts[i], cuts[i + 1]))) {
                    push(id);
                }
            }
        }
    }

    private void push(long id) {
        buffer[filled++] = id;
        if (filled == seqLen) {
            emit();
        }
    }

    private void emit() {
        if (windows >= maxWindows) {
            filled = 0;
            return;
        }
        long[] ids = new long[window];
        int at = 0;
        if (bos) {
            ids[at++] = eos; // GPT-2's BOS is <|endoftext|>
        }
        System.arraycopy(buffer, 0, ids, at, seqLen);
        ready.add(new Window(group, windowsInGroup++, ids));
        windows++;
        filled = 0;
    }

    /** The group's end: its partial window is dropped, or padded to a window when it is the group's only one. */
    private void endGroup() {
        if (windowsInGroup == 0) {
            while (filled < seqLen) {
                buffer[filled++] = eos; // TransformerLens pads with EOS when the tokenizer has no pad token
            }
            emit();
        }
        filled = 0;
        docsInGroup = 0;
        windowsInGroup = 0;
        group++;
    }

    @Override
    public void close() {
        reader.close();
    }
}
