package jlens.sys;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The one way jlens writes a file or a folder: into a temporary beside the target ({@link Temporaries}: removed on
 * any exit the JVM sees, swept after a dead process), then one rename into place, so a reader, a crash, Ctrl-C or a
 * kill never meets half a file. Saves, figures, the history, caches and the known-answer model all come here;
 * {@code WriterRuleTest} fails when code elsewhere writes files by itself.
 *
 * <p>Only the mechanics live here: whether an existing file may be replaced is the caller's to decide.
 */
public final class AtomicWriter {
    /**
     * Test hook, read once: milliseconds to wait after the content is written and before the rename, so a test can
     * send a signal while the temporary holds everything. Unset in use.
     */
    static final String PAUSE_PROPERTY = "jlens.test.pauseBeforeRename";
    private static final long PAUSE_MS = Long.getLong(PAUSE_PROPERTY, 0L);

    @FunctionalInterface
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    @FunctionalInterface
    public interface PathBody {
        /** Writes the content into {@code tmp}, a file or folder that exists and is empty. */
        void write(Path tmp) throws IOException;
    }

    private AtomicWriter() {}

    /** Writes {@code target} through a stream, replacing what is there. */
    public static void write(Path target, Body body) throws IOException {
        writeFile(target, tmp -> {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING))) {
                body.write(out);
            }
        });
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    public static void writeString(Path target, CharSequence text) throws IOException {
        write(target, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code target} with a body that writes a file by path (a library that opens it itself), replacing what
     * is there. An existing file keeps its permissions: a replaced file's content changes, not who may read it.
     */
    public static void writeFile(Path target, PathBody body) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        through(abs, Temporaries.newFile(sweptFolderOf(abs)), tmp -> {
            if (Files.isRegularFile(abs)) {
                keepMode(abs, tmp);
            }
            body.write(tmp);
        });
    }

    /**
     * Writes the folder {@code target} whole: the body fills a temporary folder beside it, which is then renamed
     * into place, so another process sees all of it or none. Fails with
     * {@link java.nio.file.FileAlreadyExistsException} or {@link java.nio.file.DirectoryNotEmptyException} when
     * {@code target} appeared meanwhile (another process wrote it first): the caller decides what to do.
     */
    public static void writeFolder(Path target, PathBody body) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        through(abs, Temporaries.newFolder(sweptFolderOf(abs)), body);
    }

    /**
     * The body fills {@code tmp}, which is then renamed to {@code abs} (a file over what is there; a folder only where
     * nothing is, as a folder rename never replaces a full folder); {@code tmp} is gone afterwards whatever happens.
     */
    private static void through(Path abs, Path tmp, PathBody body) throws IOException {
        try {
            body.write(tmp);
            pause();
            move(tmp, abs);
            Temporaries.renamed(tmp);
        } finally {
            Temporaries.discard(tmp);
        }
    }

    /**
     * Puts the entry a caller made at {@code tmp} (from {@link Temporaries#newName}) in place of {@code target} with
     * one rename, or removes it when the rename fails.
     */
    public static void commit(Path tmp, Path target) throws IOException {
        through(target.toAbsolutePath().normalize(), tmp, made -> { });
    }

    /** The folder {@code abs} goes in, with what dead processes left there removed first. */
    private static Path sweptFolderOf(Path abs) throws IOException {
        Path dir = abs.getParent();
        if (dir == null) {
            throw new IOException(abs + " has no folder to write in");
        }
        Temporaries.sweep(dir);
        return dir;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Gives {@code tmp} the POSIX permissions of {@code existing} (where the file system has them). */
    private static void keepMode(Path existing, Path tmp) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(existing));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to keep
        }
    }

    private static void pause() {
        if (PAUSE_MS > 0) {
            try {
                Thread.sleep(PAUSE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
