package jlens.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The known-answer model in the user's cache: written by {@link KnownModelWriter} at first use (a few seconds) into
 * {@code ~/.cache/jlens/known-model-VERSION/}, then reused. It is written into a temporary folder and renamed into
 * place, so a crash or a second jlens starting at the same time never leaves half a model; a {@value #SIZES} file
 * lists every file's size, and a copy that does not match it (a damaged or half-copied folder) is written again.
 */
final class KnownModel {
    /** Bump when the writer's output changes, so an old copy in a cache is never used for a new build. */
    static final String VERSION = "1";
    static final String SIZES = "SIZES";

    private KnownModel() {}

    static Path ensure(StoreEnv env) throws ModelStoreException {
        ModelStoreException first = null;
        // The user's cache first; a temporary folder when that is read-only (a locked-down account, a container).
        for (Path base : List.of(env.jlensCache(), Path.of(System.getProperty("java.io.tmpdir"),
                "jlens-" + System.getProperty("user.name", "user")))) {
            try {
                return ensureIn(base);
            } catch (ModelStoreException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw first;
    }

    static Path ensureIn(Path base) throws ModelStoreException {
        String name = "known-model-" + VERSION;
        Path dir = base.resolve(name);
        if (intact(dir)) {
            return dir;
        }
        Path tmp = base.resolve("." + name + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            KnownModelWriter.write(tmp);
            writeSizes(tmp);
            try {
                // A folder rename is atomic: another jlens starting at the same time sees all of it or none.
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException raced) {
                if (!Files.exists(dir)) {
                    throw raced;
                }
                if (!intact(dir)) {
                    deleteTree(dir); // a damaged copy from an earlier crash: replace it
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return dir;
        } catch (IOException e) {
            throw HubClient.writeError(tmp.resolve(ModelFiles.WEIGHTS), e);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void writeSizes(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                sb.append(Files.size(p)).append(' ').append(p.getFileName()).append('\n');
            }
        }
        Files.writeString(dir.resolve(SIZES), sb, StandardCharsets.UTF_8);
    }

    /** Every file the {@value #SIZES} list names is there with its size (hashing 46 MB at each start costs more). */
    static boolean intact(Path dir) {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve(SIZES), StandardCharsets.UTF_8));
            lines.removeIf(String::isBlank);
            if (lines.isEmpty()) {
                return false;
            }
            for (String line : lines) {
                String[] f = line.trim().split(" ", 2);
                Path p = dir.resolve(f[1]);
                if (!f[1].matches("[A-Za-z0-9._-]+") || !Files.isRegularFile(p) || Files.size(p) != Long.parseLong(f[0])) {
                    return false;
                }
            }
            return ModelFiles.complete(dir);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.deleteIfExists(x);
                } catch (IOException ignored) {
                    // best effort: a leftover temporary folder is harmless and has a unique name
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }
}
