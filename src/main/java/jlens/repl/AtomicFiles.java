package jlens.repl;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file through a temporary file in the same folder and a rename, so a crash or Ctrl-C never leaves
 * a half-written file; an existing file is replaced only when asked.
 */
final class AtomicFiles {
    @FunctionalInterface
    interface Body {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    /** Why a write failed, in words: a bare exception message is often just the temporary file's path. */
    private static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "files cannot be created in that folder";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? "i/o error" : Errors.firstLine(e.getMessage());
    }

    /**
     * A new empty file in {@code dir} with a short name (the target's own name may already be as long as the file
     * system allows) created as any new file is, so its mode follows the umask (a temporary file's 0600 would
     * otherwise become the saved file's).
     */
    private static Path createTemporary(Path dir) throws IOException {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve(".jlens-" + Long.toHexString(random.nextLong() & Long.MAX_VALUE) + ".tmp");
            try {
                Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW).close();
                return tmp;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
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

    static void write(Path target, boolean force, Body body) {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) {
            throw new UserError(target + " is a folder; give a file name");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UserError("cannot write " + target + ": folder " + dir + " does not exist");
        }
        if (Files.exists(abs) && !force) {
            throw new UserError(target + " exists; add --force to overwrite it");
        }
        if (Files.exists(abs) && !Files.isRegularFile(abs)) {
            // A pipe or device (as root, /dev/... too): the rename would replace it with a plain file.
            throw new UserError(target + " is not a regular file; give the name of a plain file");
        }
        Path tmp;
        try {
            tmp = createTemporary(dir);
            if (Files.exists(abs)) {
                keepMode(abs, tmp); // --force replaces the contents, not who may read them
            }
        } catch (AccessDeniedException e) {
            throw new UserError("cannot write " + target + ": permission denied in " + dir);
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + reason(e) + "; choose another folder");
        }
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                body.write(out);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + reason(e) + "; choose another folder");
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the rename already consumed it, or the folder went away: nothing left to clean
            }
        }
    }
}
