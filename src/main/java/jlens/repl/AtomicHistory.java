package jlens.repl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jlens.sys.AtomicWriter;
import org.jline.reader.impl.history.DefaultHistory;

/**
 * JLine's history, saved by writing the whole list through the atomic writer (a temporary file beside the history
 * file, renamed over it): JLine's own save appends in place, which a crash can leave half-written.
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
        AtomicWriter.writeFile(file, tmp -> write(tmp, false));
    }
}
