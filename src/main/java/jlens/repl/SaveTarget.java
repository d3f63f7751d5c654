package jlens.repl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import jlens.chart.TerminalText;
import jlens.sys.AtomicWriter;
import jlens.sys.FileErrors;

/**
 * Where {@code save} may write, said in one line when it may not, and the write itself through the one atomic writer
 * ({@link AtomicWriter}): an existing file, or a symbolic link even to nothing, is replaced only with {@code --force}.
 */
final class SaveTarget {
    private SaveTarget() {}

    /** A file name as a message quotes it: one line, whatever it holds. */
    static String quote(Object file) {
        return TerminalText.escape(String.valueOf(file));
    }

    static void write(Path target, boolean force, AtomicWriter.Body body) {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        String name = quote(target);
        if (Files.isDirectory(abs)) {
            throw new UserError(name + " is a folder; give a file name");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UserError("cannot write " + name + ": folder " + quote(dir) + " does not exist");
        }
        boolean exists = Files.exists(abs, LinkOption.NOFOLLOW_LINKS); // a link to nothing is still there
        if (exists && !force) {
            throw new UserError(name + (Files.isSymbolicLink(abs) ? " exists (a symbolic link)" : " exists")
                    + "; add --force to overwrite it");
        }
        if (exists && !Files.isSymbolicLink(abs) && !Files.isRegularFile(abs)) {
            // A pipe or device (as root, /dev/... too): the rename would replace it with a plain file.
            throw new UserError(name + " is not a regular file; give the name of a plain file");
        }
        try {
            AtomicWriter.write(abs, body);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new UserError("cannot write " + name + ": permission denied in " + quote(dir));
        } catch (IOException e) {
            String reason = FileErrors.reason(e);
            throw new UserError("cannot write " + name + ": " + reason
                    + (FileErrors.diskFull(e) ? "; free some space or choose another folder" : "; choose another folder"));
        }
    }
}
