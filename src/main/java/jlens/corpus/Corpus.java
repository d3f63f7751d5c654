package jlens.corpus;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * A text corpus: a file, or a folder's files in the order of their paths (so every reader, here or on a cluster, sees
 * the same documents in the same order). Only names and sizes are read here, and each file's first bytes (gzip's
 * magic; for a file given alone with another extension, whether it starts with <code>{</code>): documents are read by
 * {@link CorpusWindows}.
 *
 * <p>What is taken from a folder (and its sub-folders): {@code .txt}, {@code .jsonl}, {@code .ndjson} and
 * {@code .json} files, each also with {@code .gz}; hidden files and anything else are left out (and counted).
 *
 * @param root the file or folder given
 * @param files the files read, in order
 * @param ignored files of a folder that are not corpus files
 */
public record Corpus(String root, List<CorpusFile> files, int ignored) implements Serializable {
    public Corpus {
        files = List.copyOf(files);
    }

    /** The name results give the corpus: the file or folder's own name. */
    public String name() {
        Path p = Path.of(root).getFileName();
        return p == null ? root : p.toString();
    }

    public long bytes() {
        return files.stream().mapToLong(CorpusFile::bytes).sum();
    }

    /** One line: {@code 3 files (text file), 12.4 MB}. */
    public String describe() {
        String kinds = String.join(", ", files.stream().map(CorpusFile::kind).distinct().toList());
        return files.size() + (files.size() == 1 ? " file (" : " files (") + kinds + "), " + bytes() + " bytes"
                + (ignored > 0 ? "; " + ignored + " other files left out" : "");
    }

    /**
     * The corpus at {@code path}: a file, or a folder of them. Refused in one line when it is missing, unreadable,
     * or a folder with no corpus file in it.
     */
    public static Corpus open(Path path, CorpusOptions.Documents documents) {
        if (!Files.exists(path)) {
            throw new CorpusFileException(path, 0, "no such file or folder; check the path");
        }
        if (Files.isDirectory(path)) {
            return folder(path, documents);
        }
        if (!Files.isRegularFile(path)) {
            throw new CorpusFileException(path, 0, "not a regular file; give a text or JSON Lines file, or a folder of them");
        }
        CorpusFile f = file(path, path.getFileName().toString(), documents == CorpusOptions.Documents.FILE, true);
        return new Corpus(path.toString(), List.of(f), 0);
    }

    private static Corpus folder(Path dir, CorpusOptions.Documents documents) {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new CorpusFileException(dir, 0, "cannot list the folder (" + CorpusFileException.quote(String.valueOf(e.getMessage()), 80) + ")");
        }
        List<CorpusFile> files = new ArrayList<>();
        int ignored = 0;
        for (Path p : paths) {
            String rel = dir.relativize(p).toString();
            String base = p.getFileName().toString();
            if (base.startsWith(".") || extension(base).isEmpty()) {
                ignored++;
                continue;
            }
            files.add(file(p, rel, documents != CorpusOptions.Documents.LINE, false));
        }
        if (files.isEmpty()) {
            throw new CorpusFileException(dir, 0, "no .txt, .jsonl or .json files in the folder (gzipped or not)"
                    + (ignored > 0 ? "; " + ignored + " other files" : ""));
        }
        return new Corpus(dir.toString(), files, ignored);
    }

    /** {@code txt} or {@code jsonl} for a corpus file's name (a {@code .gz} after it allowed), else empty. */
    private static String extension(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) {
            n = n.substring(0, n.length() - 3);
        }
        if (n.endsWith(".txt")) {
            return "txt";
        }
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) {
            return "jsonl";
        }
        return "";
    }

    private static CorpusFile file(Path p, String name, boolean wholeText, boolean alone) {
        try {
            long size = Files.size(p);
            boolean gzip;
            try (InputStream in = Files.newInputStream(p)) {
                byte[] magic = in.readNBytes(2);
                gzip = magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
            }
            String ext = extension(name);
            boolean json = ext.equals("jsonl") || (ext.isEmpty() && alone && startsWithBrace(p, gzip));
            return new CorpusFile(p.toString(), name, json, gzip, !json && wholeText, size);
        } catch (IOException e) {
            throw new CorpusFileException(p, 0, "cannot read it (" + CorpusFileException.quote(String.valueOf(e.getMessage()), 80) + ")");
        }
    }

    /** Whether the first non-blank byte (after a byte order mark) is <code>{</code>: JSON Lines by its content. */
    private static boolean startsWithBrace(Path p, boolean gzip) throws IOException {
        try (InputStream raw = Files.newInputStream(p); InputStream in = gzip ? new GZIPInputStream(raw) : raw) {
            byte[] head = in.readNBytes(4096);
            int i = head.length >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf ? 3 : 0;
            for (; i < head.length; i++) {
                byte b = head[i];
                if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                    return b == '{';
                }
            }
            return false;
        } catch (java.util.zip.ZipException e) {
            throw new CorpusFileException(p, 0, "gzip magic bytes but not gzip data (" + CorpusFileException.quote(String.valueOf(e.getMessage()), 60) + ")");
        }
    }
}
