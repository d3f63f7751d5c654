package jlens.corpus;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.zip.GZIPInputStream;
import jlens.model.TextCharacters;

/**
 * The documents of a corpus, one at a time, checked as every text jlens reads is ({@link TextCharacters}: strict
 * UTF-8, no control characters but newline, tab and carriage return). Memory holds one document: a document over
 * {@link #MAX_DOCUMENT_BYTES} is refused before it is decoded (its line is read past, not kept). A refused document
 * stops the reader with a {@link CorpusFileException} naming FILE:LINE, or with {@code skipBad} is skipped and
 * counted. An interrupt (Ctrl-C) stops it between documents with a {@link CancellationException}.
 *
 * <p>Plain text: a line is a document (a trailing {@code \r} dropped; an empty line is an empty document, as Hugging
 * Face's {@code text} loader keeps it), or the whole file is one. JSON Lines: each non-blank line is an object whose
 * string field {@code text} is the document (other fields are ignored). A byte order mark at a file's start is dropped.
 */
final class DocumentReader implements AutoCloseable {
    /** The largest document read (a book is a few MB; what is larger is split by its author, or skipped). */
    static final int MAX_DOCUMENT_BYTES = 16 << 20;

    /** One document and where it starts. */
    record Document(String text, int file, long line, long ordinal) {}

    private final Corpus corpus;
    private final boolean skipBad;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] line = new byte[8192];
    private int lineLength;
    private boolean lineTooLong;

    private int file;
    private InputStream in; // the current file's (decompressed) bytes
    private Counting raw; // the current file's bytes on disk, for progress
    private long offset; // uncompressed bytes of the current file consumed
    private long lineNo; // the line the next read starts
    private long documents; // documents returned so far, corpus-wide (the start position's count included)
    private long skipped;
    private long bytesBefore; // on-disk bytes of the files before the current one
    private boolean ended;

    DocumentReader(Corpus corpus, boolean skipBad, CorpusPosition start) {
        this.corpus = corpus;
        this.skipBad = skipBad;
        this.file = start.file();
        this.documents = start.document();
        for (int i = 0; i < Math.min(start.file(), corpus.files().size()); i++) {
            bytesBefore += corpus.files().get(i).bytes();
        }
        if (file < corpus.files().size()) {
            open(start.offset(), start.line());
        } else {
            ended = true;
        }
    }

    /** Where the next document is read from. */
    CorpusPosition position() {
        return new CorpusPosition(file, offset, lineNo, documents);
    }

    /** On-disk bytes consumed so far, corpus-wide (the files before the start counted as read). */
    long bytesRead() {
        return bytesBefore + (raw == null ? 0 : raw.count);
    }

    long skipped() {
        return skipped;
    }

    /** The next document, or null at the corpus's end. */
    Document next() {
        while (!ended) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("cancelled");
            }
            CorpusFile f = corpus.files().get(file);
            long startLine = lineNo;
            String text;
            try {
                text = f.wholeFile() ? readWhole(f) : readLine(f);
            } catch (Skip s) {
                skip(f, startLine, s.getMessage());
                continue;
            }
            if (text == null) {
                nextFile();
                continue;
            }
            if (f.jsonLines()) {
                if (text.isBlank()) {
                    continue;
                }
                try {
                    text = jsonText(text);
                } catch (Skip s) {
                    skip(f, startLine, s.getMessage());
                    continue;
                }
            }
            var bad = TextCharacters.problem(text);
            if (bad.isPresent()) {
                skip(f, startLine, "the document has " + bad.get() + "; remove it, or add --skip-bad to skip such documents");
                continue;
            }
            return new Document(text, file, startLine, documents++);
        }
        return null;
    }

    private void skip(CorpusFile f, long atLine, String why) {
        if (!skipBad) {
            throw new CorpusFileException(f.file(), f.wholeFile() ? 0 : atLine, why);
        }
        skipped++;
    }

    /** A document jlens does not read (the reason is the message). */
    private static final class Skip extends Exception {
        Skip(String why) {
            super(why, null, false, false);
        }
    }

    private void open(long skipTo, long startLine) {
        CorpusFile f = corpus.files().get(file);
        try {
            raw = new Counting(Files.newInputStream(f.path()));
            InputStream s = f.gzip() ? new GZIPInputStream(raw, 65536) : raw;
            in = new BufferedInputStream(s, 65536);
            offset = 0;
            lineNo = startLine;
            if (skipTo == 0) {
                in.mark(3);
                byte[] bom = in.readNBytes(3);
                if (bom.length == 3 && (bom[0] & 0xff) == 0xef && (bom[1] & 0xff) == 0xbb && (bom[2] & 0xff) == 0xbf) {
                    offset = 3;
                } else {
                    in.reset();
                }
            } else {
                long left = skipTo;
                while (left > 0) {
                    long n = in.skip(left);
                    if (n <= 0) {
                        throw new CorpusFileException(f.file(), 0, "shorter than when it was indexed; read it again");
                    }
                    left -= n;
                }
                offset = skipTo;
            }
        } catch (IOException e) {
            throw failure(f, e);
        }
    }

    private void nextFile() {
        closeFile();
        bytesBefore += corpus.files().get(file).bytes();
        file++;
        if (file >= corpus.files().size()) {
            ended = true;
            return;
        }
        open(0, 1);
    }

    private RuntimeException failure(CorpusFile f, IOException e) {
        if (Thread.currentThread().isInterrupted() || e instanceof java.nio.channels.ClosedByInterruptException) {
            return new CancellationException("cancelled");
        }
        String why = e instanceof java.util.zip.ZipException || e instanceof java.io.EOFException
                ? "not valid gzip data (" + CorpusFileException.quote(String.valueOf(e.getMessage()), 60) + ")"
                : "cannot read it (" + CorpusFileException.quote(String.valueOf(e.getMessage()), 80) + ")";
        return new CorpusFileException(f.file(), 0, why);
    }

    /** The next line's text, or null at the file's end. */
    private String readLine(CorpusFile f) throws Skip {
        try {
            if (!fill()) {
                return null;
            }
        } catch (IOException e) {
            throw failure(f, e);
        }
        if (lineTooLong) {
            throw new Skip("a document of more than " + (MAX_DOCUMENT_BYTES >> 20) + " MiB; split it, or add --skip-bad to skip such documents");
        }
        int n = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        return decode(line, n);
    }

    /** Reads the next line (without its newline) into {@code line}; false at the end of the file. */
    private boolean fill() throws IOException {
        lineLength = 0;
        lineTooLong = false;
        int b = in.read();
        if (b < 0) {
            return false;
        }
        long read = 0;
        while (b >= 0 && b != '\n') {
            read++;
            if (read > MAX_DOCUMENT_BYTES) {
                lineTooLong = true; // read past the rest, keeping none of it
            } else {
                if (lineLength == line.length) {
                    line = Arrays.copyOf(line, Math.min(MAX_DOCUMENT_BYTES, line.length * 2));
                }
                line[lineLength++] = (byte) b;
            }
            b = in.read();
        }
        offset += read + (b == '\n' ? 1 : 0);
        lineNo++;
        if (lineLength < line.length / 4 && line.length > (1 << 20)) {
            line = new byte[8192]; // a long line's buffer is not kept for the short ones after it
        }
        return true;
    }

    /** The whole file as one document; null once it has been read (its line 1 is the whole file). */
    private String readWhole(CorpusFile f) throws Skip {
        if (lineNo > 1) {
            return null;
        }
        lineNo = 2;
        byte[] all;
        try {
            if (!f.gzip() && f.bytes() > MAX_DOCUMENT_BYTES) {
                offset = f.bytes();
                throw new Skip("a document of " + f.bytes() + " bytes, more than " + (MAX_DOCUMENT_BYTES >> 20)
                        + " MiB; split the file, or add --skip-bad to skip such files");
            }
            all = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
            offset += all.length;
        } catch (IOException e) {
            throw failure(f, e);
        }
        if (all.length > MAX_DOCUMENT_BYTES) {
            throw new Skip("a document of more than " + (MAX_DOCUMENT_BYTES >> 20) + " MiB; split the file, or add --skip-bad to skip such files");
        }
        return decode(all, all.length);
    }

    private String decode(byte[] bytes, int n) throws Skip {
        try {
            return decoder.decode(ByteBuffer.wrap(bytes, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new Skip("not UTF-8 text; save the file as UTF-8, or add --skip-bad to skip such documents");
        }
    }

    /** The {@code text} field of a JSON Lines object. */
    private static String jsonText(String json) throws Skip {
        String text = null;
        boolean seen = false;
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            r.setNestingLimit(64);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw new Skip("expected a JSON object with a \"text\" field, one per line");
            }
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!name.equals("text")) {
                    r.skipValue();
                    continue;
                }
                if (seen) {
                    throw new Skip("field 'text' appears twice");
                }
                seen = true;
                if (r.peek() != JsonToken.STRING) {
                    throw new Skip("field 'text' must be a string");
                }
                text = r.nextString();
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new Skip("more after the JSON object; JSON Lines has one object per line");
            }
        } catch (Skip s) {
            throw s;
        } catch (IOException | IllegalStateException | StackOverflowError e) {
            throw new Skip("not valid JSON (" + CorpusFileException.quote(String.valueOf(e.getMessage()).replaceAll("\\s*See https?://\\S+", ""), 80) + ")");
        }
        if (text == null) {
            throw new Skip("no \"text\" field; each line needs {\"text\": \"...\"}");
        }
        return text;
    }

    private void closeFile() {
        try {
            if (in != null) {
                in.close();
            }
        } catch (IOException e) {
            // reading is over; nothing was written
        }
        in = null;
    }

    @Override
    public void close() {
        closeFile();
    }

    /** Counts the bytes read from disk. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += Math.max(0, s);
            return s;
        }
    }
}
