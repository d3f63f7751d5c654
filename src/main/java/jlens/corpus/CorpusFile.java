package jlens.corpus;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * One file of a corpus and how it is read (kept as strings, so a corpus travels to Spark's executors).
 *
 * @param file where it is
 * @param name its path under the corpus's root, as messages and results name it
 * @param jsonLines JSON Lines (a document per line, its {@code text} field) rather than plain text
 * @param gzip gzip-compressed (known by its magic bytes, whatever its name)
 * @param wholeFile plain text whose whole content is one document (else one document per line)
 * @param bytes its size on disk
 */
public record CorpusFile(String file, String name, boolean jsonLines, boolean gzip, boolean wholeFile, long bytes)
        implements Serializable {
    public Path path() {
        return Path.of(file);
    }

    /** A word for its kind: {@code text lines}, {@code text file}, {@code JSON Lines}, with {@code gzip} when compressed. */
    public String kind() {
        return (jsonLines ? "JSON Lines" : wholeFile ? "text file" : "text lines") + (gzip ? ", gzip" : "");
    }
}
