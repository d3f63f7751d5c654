package jlens.corpus;

import java.io.Serializable;

/**
 * Where a reader of a corpus stands: before the line at {@code offset} (uncompressed bytes into file {@code file}),
 * which is line {@code line} of that file, with {@code document} documents read before it. A reader started here
 * reads what a reader from the start reads from here on ({@link CorpusIndex} keeps one per group, for a cluster).
 */
public record CorpusPosition(int file, long offset, long line, long document) implements Serializable {
    public static final CorpusPosition START = new CorpusPosition(0, 0, 1, 0);
}
