package jlens.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import jlens.store.ModelStoreException.Kind;
import jlens.sys.AtomicWriter;
import jlens.sys.FileErrors;
import jlens.sys.PrivateFolder;
import jlens.sys.Temporaries;

/**
 * The known-answer model in the user's cache: written by {@link KnownModelWriter} at first use (a few seconds) into
 * {@code ~/.cache/jlens/known-model-VERSION/}, then reused. It is written whole through {@link AtomicWriter} (a
 * temporary folder renamed into place), so a crash, a signal or a second jlens starting at the same time never leaves
 * half a model.
 *
 * <p>Trust: a folder is called the known model only when its files hash to {@link #SHA256}, what the (deterministic)
 * writer writes; anything else found there (a damaged copy, or one planted by someone who could write the folder)
 * is written again. When the user's cache cannot be written, the fallback under the system's temporary folder is
 * used only if it is this user's own 0700 folder ({@link PrivateFolder}); otherwise jlens refuses in one line naming
 * the folder to make writable.
 */
final class KnownModel {
    /** Bump when the writer's output changes, so an old copy in a cache is never used for a new build. */
    static final String VERSION = "2";
    static final String SIZES = "SIZES";
    /** The files the model is made of, in the order they are hashed. */
    static final List<String> FILES = List.of(KnownCircuits.FILE, ModelFiles.CONFIG, "merges.txt", ModelFiles.WEIGHTS,
            ModelFiles.TOKENIZER, "tokenizer_config.json", "vocab.json");
    /**
     * SHA-256 over every file of {@link #FILES}: its name, a NUL, its size as text, a NUL, then its bytes. The writer is
     * deterministic, so this is what it writes on any machine; {@code KnownModelStoreTest} fails (naming the new value)
     * when the writer changes, and {@link #VERSION} must change with it.
     */
    static final String SHA256 = "1434e9d5130c460669d748e4110c0b4b56ba2e841c3bddc3f15783d80e1989d6";

    private KnownModel() {}

    static Path ensure(StoreEnv env) throws ModelStoreException {
        ModelStoreException own;
        try {
            return ensureIn(env.jlensCache());
        } catch (ModelStoreException e) {
            own = e;
        }
        // A locked-down account or a container with a read-only home: a folder of the user's own in the shared
        // temporary folder, and only if nobody else can have put anything in it.
        Path fallback = fallback();
        Optional<String> untrusted = PrivateFolder.ensure(fallback);
        if (untrusted.isPresent()) {
            String why = own.getCause() instanceof IOException io ? FileErrors.reason(io) : own.getMessage();
            boolean mine = java.nio.file.Files.exists(fallback) && PrivateFolder.ownedByMe(fallback);
            throw new ModelStoreException(Kind.IO, "cannot write the known model: " + env.jlensCache() + " is not writable ("
                    + why + "), and " + fallback + " cannot be trusted (" + untrusted.get() + "); make " + env.jlensCache()
                    + " writable, or set XDG_CACHE_HOME to a folder of yours" + (mine ? " (or chmod 700 " + fallback + ")" : ""),
                    own);
        }
        return ensureIn(fallback);
    }

    /** {@code TMP/jlens-USER}: the fallback folder when the user's cache cannot be written. */
    static Path fallback() {
        return Path.of(System.getProperty("java.io.tmpdir"), "jlens-" + System.getProperty("user.name", "user"));
    }

    static Path ensureIn(Path base) throws ModelStoreException {
        return ensureVerified(base.resolve("known-model-" + VERSION), FILES, SHA256, KnownModel::writeInto,
                "the known model");
    }

    /**
     * {@code dir} when its {@code files} hash to {@code sha}; otherwise written whole by {@code writer} through
     * {@link AtomicWriter} (what was there is renamed away and deleted first, never patched), also when another jlens
     * writes it at the same time.
     */
    static Path ensureVerified(Path dir, List<String> files, String sha, AtomicWriter.PathBody writer, String what)
            throws ModelStoreException {
        if (verified(dir, files, sha)) {
            return dir;
        }
        Path base = dir.getParent();
        try {
            Files.createDirectories(base);
            for (int attempt = 0; ; attempt++) {
                if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                    moveAway(dir); // a damaged or foreign copy: replaced whole, never patched
                }
                try {
                    AtomicWriter.writeFolder(dir, writer);
                    return dir;
                } catch (FileSystemException raced) {
                    // another jlens put one there first: take it if it verifies, else replace it
                    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS) || attempt > 2) {
                        throw raced;
                    }
                    if (verified(dir, files, sha)) {
                        return dir;
                    }
                }
            }
        } catch (IOException e) {
            throw new ModelStoreException(FileErrors.diskFull(e) ? Kind.DISK_FULL : Kind.IO, "cannot write " + what + " in "
                    + base + ": " + FileErrors.reason(e), e);
        }
    }

    private static void writeInto(Path tmp) throws IOException {
        KnownModelWriter.write(tmp);
        writeSizes(tmp);
    }

    /** Renames {@code dir} to a temporary name (so no reader meets it half deleted) and deletes it. */
    private static void moveAway(Path dir) throws IOException {
        Path away = Temporaries.newName(dir.getParent());
        Files.move(dir, away);
        Temporaries.discard(away);
    }

    /** The size list earlier versions check; kept so that they and this one share the folder. */
    private static void writeSizes(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                sb.append(Files.size(p)).append(' ').append(p.getFileName()).append('\n');
            }
        }
        Files.writeString(dir.resolve(SIZES), sb, StandardCharsets.UTF_8);
    }

    /** Whether {@code dir} is the known model: a real folder whose files hash to {@link #SHA256}. */
    static boolean verified(Path dir) {
        return verified(dir, FILES, SHA256);
    }

    static boolean verified(Path dir, List<String> files, String sha) {
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && hash(dir, files).map(sha::equals).orElse(false);
    }

    /** The {@link #SHA256}-style hash of the files in {@code dir}, or empty when one is missing or unreadable. */
    static Optional<String> hash(Path dir) {
        return hash(dir, FILES);
    }

    /** The hash of {@code files} in {@code dir}: each one's name, a NUL, its size as text, a NUL, then its bytes. */
    static Optional<String> hash(Path dir, List<String> files) {
        try {
            MessageDigest sha = HubClient.sha256();
            byte[] buffer = new byte[1 << 16];
            for (String f : files) {
                Path p = dir.resolve(f);
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    return Optional.empty();
                }
                sha.update((f + "\0" + Files.size(p) + "\0").getBytes(StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(p)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sha.update(buffer, 0, n);
                    }
                }
            }
            return Optional.of(HexFormat.of().formatHex(sha.digest()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
