package jlens.repl;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.jline.reader.impl.history.DefaultHistory;

/**
 * JLine's history, saved by writing the whole list to a temporary file beside the history file and renaming it
 * over: JLine's own save appends in place, which a crash can leave half-written.
 */
final class AtomicHistory extends DefaultHistory {
    private final Path file;

    AtomicHistory(Path file) {
        this.file = file;
    }

    @Override
    public void save() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            write(tmp, false);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
