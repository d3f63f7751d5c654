package jlens.sae;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import jlens.model.Gpt2Tokenizer;
import jlens.model.TextCharacters;

/**
 * A text file read as a stream of token windows of one length, for a feature's top contexts: lines decoded as strict
 * UTF-8 and held to the {@code text} command's character rule (a bad line is refused as {@code FILE:LINE}), tokenised a
 * few thousand characters at a time, cut into windows of {@code window} tokens (the last, shorter one kept when it has
 * two tokens or more). Memory holds one window's worth of lines. Reading stops at an interrupt (Ctrl-C).
 *
 * <p>A simple reader of its own until the corpus reader (TransformerLens's tokenize_and_concatenate windows) lands.
 */
public final class SaeTextCorpus implements AutoCloseable {
    /** A line longer than this is refused before it is tokenised. */
    static final int MAX_LINE_CHARS = 1 << 20;
    private static final int CHUNK_CHARS = 8192;

    private final Path file;
    private final Gpt2Tokenizer tokenizer;
    private final int window;
    private final long size;
    private final CountingStream counted;
    private final BufferedReader in;
    private final List<Long> pending = new ArrayList<>();
    private int line;
    private int windowStartLine = 1;
    private boolean ended;

    /** Opens {@code file}; a missing or unreadable one is a {@link SaeLoadException} line naming it. */
    public SaeTextCorpus(Path file, Gpt2Tokenizer tokenizer, int window) {
        this.file = file;
        this.tokenizer = tokenizer;
        this.window = window;
        try {
            if (!Files.isRegularFile(file)) {
                throw new SaeLoadException(file + (Files.exists(file) ? ": not a regular file; give a text file" : ": file not found"));
            }
            this.size = Files.size(file);
            this.counted = new CountingStream(Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            throw new SaeLoadException(file + ": file not found");
        } catch (IOException e) {
            throw new SaeLoadException(file + ": cannot read it (" + SaeText.problem(e.getMessage()) + ")");
        }
        this.in = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
    }

    /** One window and the line it starts on. */
    public record Window(long[] ids, int line) {}

    /** Up to {@code n} windows of {@code window} tokens (the file's last may be shorter); empty at the end. */
    public List<Window> next(int n) {
        List<Window> out = new ArrayList<>();
        while (out.size() < n) {
            while (pending.size() < window && !ended) {
                readChunk();
            }
            if (pending.size() >= window || (ended && pending.size() >= 2)) {
                int take = Math.min(window, pending.size());
                long[] ids = new long[take];
                for (int i = 0; i < take; i++) {
                    ids[i] = pending.get(i);
                }
                pending.subList(0, take).clear();
                out.add(new Window(ids, windowStartLine));
                windowStartLine = line;
            } else {
                pending.clear();
                break;
            }
        }
        return out;
    }

    /** The share of the file's bytes read so far. */
    public double progress() {
        return size == 0 ? 1 : Math.min(1, counted.count / (double) size);
    }

    /** Reads lines up to about a chunk of characters and tokenises them together. */
    private void readChunk() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("cancelled");
        }
        StringBuilder chunk = new StringBuilder();
        try {
            while (chunk.length() < CHUNK_CHARS) {
                String l = in.readLine();
                if (l == null) {
                    ended = true;
                    break;
                }
                line++;
                if (l.length() > MAX_LINE_CHARS) {
                    throw new SaeLoadException(file + ":" + line + ": a line of more than " + MAX_LINE_CHARS + " characters");
                }
                String problem = TextCharacters.problem(l).orElse(null);
                if (problem != null) {
                    throw new SaeLoadException(file + ":" + line + ": " + problem + "; the text holds characters the model's"
                            + " text may not");
                }
                chunk.append(l).append('\n');
            }
        } catch (CharacterCodingException e) {
            throw new SaeLoadException(file + ":" + (line + 1) + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new SaeLoadException(file + ": cannot read it (" + SaeText.problem(e.getMessage()) + ")");
        }
        if (chunk.length() > 0) {
            for (long id : tokenizer.encodePiece(chunk.toString())) {
                pending.add(id);
            }
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // read-only: nothing is lost
        }
    }

    /** Counts the bytes read, for progress. */
    private static final class CountingStream extends java.io.FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(0, n);
            return n;
        }
    }
}
