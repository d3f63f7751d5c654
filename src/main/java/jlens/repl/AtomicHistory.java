package jlens.repl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import jlens.sys.AtomicWriter;
import org.jline.reader.History;
import org.jline.reader.LineReader;
import org.jline.reader.impl.history.DefaultHistory;

/**
 * JLine's history, shared by every session that uses the same file, as bash's {@code histappend}: each save
 * (after every input) appends this session's new lines to what is in the file now, so two sessions (two SSH
 * logins) each add their own lines and neither overwrites the other's. The in-memory list stays this session's
 * own, as in bash; the next session starts with everyone's lines.
 *
 * <p>A save holds an exclusive lock on a lock file beside the history ({@code .jlens_history.lock}) while it
 * reads the file, adds its lines, keeps the newest {@link LineReader#HISTORY_FILE_SIZE} and writes it whole through
 * the atomic writer (a temporary renamed over it): a crash leaves the old file whole, and no two sessions merge at once (without the lock,
 * one could rename its copy over lines the other had just added). The file and the lock are owner-only (0600):
 * prompts can be private.
 */
final class AtomicHistory extends DefaultHistory {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path file;
    private LineReader reader;
    /** The in-memory index of the first entry not yet in the file. */
    private int firstUnsaved;

    AtomicHistory(Path file) {
        this.file = file;
    }

    /** The lock file beside {@code history}. */
    static Path lockFile(Path history) {
        return history.resolveSibling("." + history.getFileName() + ".lock");
    }

    @Override
    public void attach(LineReader reader) {
        this.reader = reader;
        super.attach(reader); // loads the file (everyone's lines so far)
        firstUnsaved = last() + 1;
    }

    @Override
    public void load() throws IOException {
        super.load();
        firstUnsaved = last() + 1;
    }

    @Override
    public synchronized void save() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        List<String> fresh = new ArrayList<>();
        for (History.Entry e : this) {
            if (e.index() >= firstUnsaved) {
                fresh.add(format(e));
            }
        }
        if (fresh.isEmpty() && Files.exists(file)) {
            return;
        }
        int next = last() + 1;
        // One merge at a time in this JVM (a FileLock is per process) and across processes (the FileLock).
        synchronized (AtomicHistory.class) {
            try (FileChannel lock = FileChannel.open(lockFile(file), Set.of(StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE), ownerOnly(dir)); FileLock held = lock.lock()) {
                List<String> lines = new ArrayList<>(Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8)
                        : List.of());
                lines.addAll(fresh);
                int keep = fileSize();
                if (lines.size() > keep) {
                    lines = new ArrayList<>(lines.subList(lines.size() - keep, lines.size()));
                }
                replace(dir, lines);
            }
        }
        firstUnsaved = next;
    }

    private int fileSize() {
        Object size = reader == null ? null : reader.getVariable(LineReader.HISTORY_FILE_SIZE);
        if (size instanceof Number n && n.intValue() > 0) {
            return n.intValue();
        }
        try {
            return size == null ? DEFAULT_HISTORY_FILE_SIZE : Math.max(1, Integer.parseInt(size.toString().strip()));
        } catch (NumberFormatException e) {
            return DEFAULT_HISTORY_FILE_SIZE;
        }
    }

    /**
     * Writes {@code lines} whole through the atomic writer (a temporary beside the history, renamed over it), owner
     * only whatever the file was before (an older jlens made it 0644): the file is made owner-only first, and the
     * writer gives its temporary the mode of the file it replaces, before any line is in it.
     */
    private void replace(Path dir, List<String> lines) throws IOException {
        StringBuilder text = new StringBuilder();
        lines.forEach(l -> text.append(l).append('\n'));
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            if (!Files.exists(file)) {
                AtomicWriter.write(file, new byte[0]);
            }
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
        AtomicWriter.writeString(file, text);
    }

    private static FileAttribute<?>[] ownerOnly(Path dir) {
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
    }

    /**
     * An entry as JLine writes it ({@code DefaultHistory}'s format, which its {@code load} reads back):
     * {@code MILLIS:LINE} with backslashes, newlines and carriage returns escaped, so a multi-line Java input is
     * one line of the file.
     */
    static String format(History.Entry e) {
        StringBuilder out = new StringBuilder().append(e.time().toEpochMilli()).append(':');
        for (char c : e.line().toCharArray()) {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\\' -> out.append("\\\\");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
