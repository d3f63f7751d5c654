package jlens.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The temporary files and folders jlens writes before renaming them into place, named
 * {@code .jlens-HOST-PID-RANDOM.tmp} (HOST: eight hex digits of the host name's hash) so that anyone can tell whose
 * they are. Each is removed on every exit the JVM sees: by its writer on success or on an exception, and by a
 * shutdown hook on a normal exit, {@code System.exit}, SIGTERM, SIGHUP and SIGINT. What a killed process (SIGKILL, a
 * power cut) leaves is removed by {@link #sweep} once that process is dead: only names of this host, owned by this
 * user, whose process no longer runs (a reused pid keeps its file until that process ends too).
 */
public final class Temporaries {
    static final String PREFIX = ".jlens-";
    static final String SUFFIX = ".tmp";
    private static final Pattern NAME = Pattern.compile("\\.jlens-([0-9a-f]{8})-([0-9]{1,19})-[0-9a-f]{1,16}\\.tmp");
    /** What jlens 0.1 left of a known model it was writing: {@code .known-model-V.tmp-PID-NANOS} (no host). */
    private static final Pattern OLD_FOLDER = Pattern.compile("\\.known-model-[0-9]+\\.tmp-([0-9]{1,19})-[0-9]+");
    static final String HOST = hostTag();
    static final long PID = ProcessHandle.current().pid();

    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static volatile boolean exiting;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Temporaries::removeAll, "jlens-temporaries"));
    }

    private Temporaries() {}

    /** A new empty file in {@code dir}, created as any new file is (its mode follows the umask). */
    public static Path newFile(Path dir) throws IOException {
        return create(dir, false);
    }

    /** A new empty folder in {@code dir}. */
    public static Path newFolder(Path dir) throws IOException {
        return create(dir, true);
    }

    /**
     * A fresh name in {@code dir}, registered but not created, for a caller that makes the entry itself (a
     * symbolic link); it is removed at exit like the others if it exists then.
     */
    public static Path newName(Path dir) throws IOException {
        Path p = dir.resolve(name());
        register(p);
        return p;
    }

    private static Path create(Path dir, boolean folder) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve(name());
            register(p);
            try {
                if (folder) {
                    Files.createDirectory(p);
                } else {
                    Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                }
                return p;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                LIVE.remove(p);
                if (attempt > 100) {
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                LIVE.remove(p);
                throw e;
            }
        }
    }

    private static void register(Path p) throws IOException {
        if (exiting) {
            throw new IOException("jlens is exiting; nothing more is written");
        }
        LIVE.add(p);
    }

    static String name() {
        return PREFIX + HOST + "-" + PID + "-" + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE) + SUFFIX;
    }

    /** Forgets {@code tmp} once it was renamed into place (there is nothing left to remove). */
    public static void renamed(Path tmp) {
        LIVE.remove(tmp);
    }

    /** Removes {@code tmp} (a file, or a folder with everything in it) and forgets it. */
    public static void discard(Path tmp) {
        try {
            deleteTree(tmp);
        } finally {
            LIVE.remove(tmp);
        }
    }

    /** Whether {@code name} is the name of one of jlens's temporaries (this or another process's). */
    public static boolean isTemporaryName(String name) {
        return NAME.matcher(name).matches() || OLD_FOLDER.matcher(name).matches();
    }

    /** The temporaries this process holds now (for tests). */
    static Set<Path> live() {
        return Set.copyOf(LIVE);
    }

    /**
     * Removes from {@code dir} the temporaries of processes of this host that are no longer running, owned by this
     * user; returns how many. A folder that cannot be listed is left alone.
     */
    public static int sweep(Path dir) {
        int removed = 0;
        if (dir == null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".*")) {
            for (Path p : entries) {
                if (abandoned(p.getFileName().toString()) && PrivateFolder.ownedByMe(p) && !LIVE.contains(p)) {
                    deleteTree(p);
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable folder: its leftovers wait for a later sweep
        }
        return removed;
    }

    /** Whether {@code name} is a temporary of this host whose process has ended. */
    static boolean abandoned(String name) {
        Matcher m = NAME.matcher(name);
        long pid;
        if (m.matches()) {
            if (!m.group(1).equals(HOST)) {
                return false; // another machine's (a shared home): its process may be running there
            }
            pid = parsePid(m.group(2));
        } else {
            Matcher old = OLD_FOLDER.matcher(name);
            if (!old.matches()) {
                return false;
            }
            pid = parsePid(old.group(1));
        }
        return pid > 0 && pid != PID && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }

    private static long parsePid(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The shutdown hook: every temporary still held is removed (a folder is first renamed away from its writer). */
    static void removeAll() {
        exiting = true;
        for (Path p : LIVE) {
            try {
                Path gone = p;
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    // its writer may still be adding files: once renamed, its paths no longer reach the folder
                    gone = p.resolveSibling(name());
                    Files.move(p, gone);
                }
                for (int i = 0; i < 3 && Files.exists(gone, LinkOption.NOFOLLOW_LINKS); i++) {
                    deleteTree(gone);
                }
            } catch (IOException | RuntimeException e) {
                // renamed into place a moment ago, or gone already: nothing to remove
            }
        }
    }

    /** Undoes {@link #removeAll}'s refusal of new temporaries: a test calls the hook's body without exiting. */
    static void reopenForTests() {
        exiting = false;
    }

    /** Deletes {@code p} and, for a folder, everything in it; never follows a symbolic link. Best effort. */
    static void deleteTree(Path p) {
        try {
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException | RuntimeException e) {
            // best effort: a temporary that cannot be removed now is swept at a later start
        }
    }

    /** Eight hex digits of this host's name: temporaries from another host sharing the folder are not swept. */
    private static String hostTag() {
        String host = null;
        try {
            host = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        if (host == null || host.isEmpty()) {
            host = System.getenv("HOSTNAME");
        }
        if (host == null || host.isEmpty()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException | RuntimeException e) {
                host = "localhost";
            }
        }
        return String.format(java.util.Locale.ROOT, "%08x", host.hashCode());
    }
}
