package jlens.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jlens.sys.AtomicWriter;
import jlens.sys.Temporaries;

/**
 * The Hugging Face hub cache on disk, in huggingface_hub's layout, so files flow both ways between jlens and Python:
 *
 * <pre>
 * HUB_CACHE/models--ORG--NAME/
 *   blobs/ETAG                  file contents, named by etag (SHA-256 for LFS files, git SHA-1 otherwise)
 *   blobs/ETAG.incomplete       a download in progress (resumed from its length)
 *   refs/main                   the commit hash that branch or tag points at
 *   snapshots/COMMIT/FILE       relative symlink to ../../blobs/ETAG
 *   .no_exist/COMMIT/FILE       empty marker: the hub has no such file at that commit
 * HUB_CACHE/.locks/models--ORG--NAME/ETAG.lock
 * </pre>
 */
final class HfCache {
    private final Path root;

    HfCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    static String folderName(String repoId) {
        return "models--" + repoId.replace("/", "--");
    }

    /** The repo's folder; the id must have passed {@link SafeNames#checkRepoId}, and the path is fenced again. */
    Path repoDir(String repoId) throws ModelStoreException {
        return SafeNames.inside(root, folderName(repoId));
    }

    /** The commit a revision points at: the revision itself when it is a hash, else the refs file; null if unknown. */
    String commitFor(Path repoDir, String revision) throws ModelStoreException {
        if (SafeNames.isCommitHash(revision)) {
            return revision;
        }
        Path ref = SafeNames.inside(repoDir.resolve("refs"), revision);
        try {
            if (!Files.isRegularFile(ref)) {
                return null;
            }
            String hash = Files.readString(ref, StandardCharsets.UTF_8).trim();
            return SafeNames.isCommitHash(hash) ? hash : null;
        } catch (IOException e) {
            return null;
        }
    }

    Path snapshotDir(Path repoDir, String commit) throws ModelStoreException {
        return SafeNames.inside(repoDir.resolve("snapshots"), commit);
    }

    /**
     * A complete snapshot for the revision, if the cache has one. When {@code refs/main} is missing (a cache copied
     * by hand, say) but snapshots exist, the newest complete one is used: that is what the user most likely meant.
     */
    Optional<Snapshot> findComplete(String repoId, String revision) throws ModelStoreException {
        Path repoDir = repoDir(repoId);
        if (!Files.isDirectory(repoDir)) {
            return Optional.empty();
        }
        String commit = commitFor(repoDir, revision);
        if (commit != null) {
            Path snap = snapshotDir(repoDir, commit);
            return ModelFiles.complete(snap) ? Optional.of(new Snapshot(snap, commit)) : Optional.empty();
        }
        if (!revision.equals(ModelSpec.DEFAULT_REVISION) || Files.exists(repoDir.resolve("refs").resolve(revision))) {
            return Optional.empty();
        }
        try (Stream<Path> snaps = Files.list(repoDir.resolve("snapshots"))) {
            return snaps.filter(p -> SafeNames.isCommitHash(p.getFileName().toString()))
                    .filter(ModelFiles::complete)
                    .max(Comparator.comparingLong(HfCache::mtime))
                    .map(p -> new Snapshot(p, p.getFileName().toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    Path blob(Path repoDir, String etag) throws ModelStoreException {
        return SafeNames.inside(repoDir.resolve("blobs"), etag);
    }

    Path incomplete(Path repoDir, String etag) throws ModelStoreException {
        return SafeNames.inside(repoDir.resolve("blobs"), etag + ".incomplete");
    }

    /**
     * Points {@code snapshots/COMMIT/FILE} at the blob, replacing whatever was there in one rename; {@code FILE} may lie
     * in a folder of the repo ({@code blocks.8.hook_resid_pre/cfg.json}), as an SAE release's files do.
     */
    void link(Path repoDir, String commit, String file, String etag) throws IOException, ModelStoreException {
        Path snap = snapshotDir(repoDir, commit);
        Path target = SafeNames.inside(snap, file);
        Path blob = blob(repoDir, etag);
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Temporaries.sweep(dir);
        Path tmp = Temporaries.newName(dir);
        try {
            // Relative, as huggingface_hub writes it, so the whole cache folder can be moved or mounted elsewhere.
            Files.createSymbolicLink(tmp, dir.relativize(blob));
        } catch (UnsupportedOperationException | FileSystemException e) {
            // No symlinks here (some Windows setups): huggingface_hub then keeps a plain copy in the snapshot.
            try {
                Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException copyFailed) {
                Temporaries.discard(tmp);
                throw copyFailed;
            }
        }
        AtomicWriter.commit(tmp, target);
    }

    /** Writes {@code refs/REVISION} through a temporary file, so a reader never sees half a hash. */
    void writeRef(Path repoDir, String revision, String commit) throws IOException, ModelStoreException {
        if (SafeNames.isCommitHash(revision)) {
            return; // a commit needs no ref
        }
        Path ref = SafeNames.inside(repoDir.resolve("refs"), revision);
        Files.createDirectories(ref.getParent());
        AtomicWriter.writeString(ref, commit);
    }

    /** Remembers that the hub has no such file at this commit, as huggingface_hub does, so nobody asks again. */
    void markMissing(Path repoDir, String commit, String file) throws IOException, ModelStoreException {
        Path marker = SafeNames.inside(SafeNames.inside(repoDir.resolve(".no_exist"), commit), file);
        Files.createDirectories(marker.getParent());
        if (!Files.exists(marker)) {
            Files.createFile(marker);
        }
    }

    boolean isMarkedMissing(Path repoDir, String commit, String file) throws ModelStoreException {
        return Files.exists(SafeNames.inside(SafeNames.inside(repoDir.resolve(".no_exist"), commit), file));
    }

    /**
     * Holds {@code .locks/REPO/ETAG.lock} so two jlens processes do not write the same blob at once. Waits while
     * another holds it, checking for cancellation.
     */
    AutoCloseable lock(String repoId, String etag, Cancellation cancel) throws IOException, ModelStoreException {
        Path dir = SafeNames.inside(root.resolve(".locks"), folderName(repoId));
        Files.createDirectories(dir);
        Path file = SafeNames.inside(dir, etag + ".lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            while (true) {
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // another thread of this JVM holds it
                }
                if (lock != null) {
                    FileLock held = lock;
                    return () -> {
                        held.release();
                        ch.close();
                    };
                }
                cancel.check("waiting for another download of the same file");
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cancel.check("waiting for another download of the same file");
                }
            }
        } catch (IOException | ModelStoreException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * The complete GPT-2 snapshots in the cache, named the way a user would type them: the short name for the
     * OpenAI sizes, {@code @REF} for a branch or tag other than main, {@code @COMMIT} for a snapshot no ref names.
     */
    List<CachedModel> listGpt2() {
        List<CachedModel> out = new ArrayList<>();
        try (Stream<Path> repos = Files.list(root)) {
            for (Path repoDir : repos.sorted().toList()) {
                String name = repoDir.getFileName().toString();
                if (!name.startsWith("models--")) {
                    continue;
                }
                String repoId = name.substring("models--".length()).replaceFirst("--", "/");
                if (SafeNames.checkRepoId(repoId) != null) {
                    continue;
                }
                Map<String, String> refByCommit = refs(repoDir);
                try (Stream<Path> snaps = Files.list(repoDir.resolve("snapshots"))) {
                    for (Path snap : snaps.sorted().toList()) {
                        String commit = snap.getFileName().toString();
                        if (!SafeNames.isCommitHash(commit) || !ModelFiles.complete(snap) || !isGpt2(snap)) {
                            continue;
                        }
                        String ref = refByCommit.getOrDefault(commit, commit);
                        String shortName = ModelSpec.SHORT_NAMES.entrySet().stream()
                                .filter(e -> e.getValue().equals(repoId) || e.getKey().equals(repoId))
                                .map(Map.Entry::getKey).findFirst().orElse(repoId);
                        String spec = ref.equals(ModelSpec.DEFAULT_REVISION) ? shortName : shortName + "@" + ref;
                        out.add(new CachedModel(spec, repoId, commit, snap,
                                Files.size(snap.resolve(ModelFiles.WEIGHTS))));
                    }
                } catch (IOException e) {
                    // A repo folder without snapshots (an interrupted download): nothing to list.
                }
            }
        } catch (IOException e) {
            return List.of(); // no cache yet
        }
        return out;
    }

    private static Map<String, String> refs(Path repoDir) {
        Map<String, String> byCommit = new HashMap<>();
        Path refs = repoDir.resolve("refs");
        if (!Files.isDirectory(refs)) {
            return byCommit;
        }
        try (Stream<Path> files = Files.walk(refs)) {
            for (Path f : files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith(".")) // a rename's leftover
                    .sorted().toList()) {
                String hash = Files.readString(f, StandardCharsets.UTF_8).trim();
                String ref = refs.relativize(f).toString().replace('\\', '/');
                // main wins when several refs name one commit: it is the shortest thing to type.
                if (SafeNames.isCommitHash(hash) && (ref.equals(ModelSpec.DEFAULT_REVISION)
                        || !byCommit.containsKey(hash))) {
                    byCommit.put(hash, ref);
                }
            }
        } catch (IOException e) {
            // unreadable refs: the snapshots are listed by commit instead
        }
        return byCommit;
    }

    private static final Pattern GPT2_TYPE = Pattern.compile("\"model_type\"\\s*:\\s*\"gpt2\"");

    private static boolean isGpt2(Path snap) {
        try {
            return GPT2_TYPE.matcher(Files.readString(snap.resolve(ModelFiles.CONFIG), StandardCharsets.UTF_8)).find();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** A snapshot folder with everything the loader needs, and the commit it belongs to. */
    record Snapshot(Path dir, String commit) {}
}
