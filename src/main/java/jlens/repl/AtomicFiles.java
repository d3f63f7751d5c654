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
     * An empty temporary file beside the target, created as any new file is (mode 0666 less the umask, like a
     * shell's redirection), not with createTempFile's fixed 0600.
     */
    private static Path newTemporary(Path dir, String name) throws IOException {
        java.security.SecureRandom random = new java.security.SecureRandom();
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(random.nextLong(), 36) + ".tmp");
            try {
                Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE).close();
                return tmp;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 20) {
                    throw e;
                }
            }
        }
    }

    /** A file replaced with --force keeps its mode (a shared 0664 stays 0664); POSIX file systems only. */
    private static void keepMode(Path existing, Path tmp) throws IOException {
        if (Files.isRegularFile(existing)
                && Files.getFileStore(tmp).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(existing));
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
            tmp = newTemporary(dir, abs.getFileName().toString());
        } catch (AccessDeniedException e) {
            throw new UserError("cannot write " + target + ": permission denied in " + dir);
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + reason(e) + "; choose another folder");
        }
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                body.write(out);
            }
            keepMode(abs, tmp);
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
