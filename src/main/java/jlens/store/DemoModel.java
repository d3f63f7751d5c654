package jlens.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import jlens.store.ModelStoreException.Kind;

/**
 * The small GPT-2 shipped inside jlens (real tokenizer, random weights), so the start command works on a machine
 * with no network and no cache. The loader memory-maps files, so the resources are copied out once to
 * {@code ~/.cache/jlens/demo-model-HASH/}; the hash is of the manifest, so a new build gets a new folder and an
 * old, damaged or half-copied one is never used.
 */
final class DemoModel {
    static final String RESOURCE_DIR = "/jlens/demo-model/";
    static final String MANIFEST = "MANIFEST";

    private DemoModel() {}

    /** One manifest line: {@code SHA256 SIZE NAME}. */
    record Entry(String sha256, long size, String name) {}

    static Path extract(StoreEnv env) throws ModelStoreException {
        byte[] manifest = readResource(MANIFEST);
        List<Entry> entries = parse(manifest);
        String hash = HexFormat.of().formatHex(HubClient.sha256().digest(manifest)).substring(0, 12);
        ModelStoreException first = null;
        // The user's cache first; a temporary folder when that is read-only (a locked-down account, a container).
        for (Path base : List.of(env.jlensCache(), Path.of(System.getProperty("java.io.tmpdir"),
                "jlens-" + System.getProperty("user.name", "user")))) {
            try {
                return extractInto(base, "demo-model-" + hash, entries);
            } catch (ModelStoreException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw first;
    }

    private static Path extractInto(Path base, String name, List<Entry> entries) throws ModelStoreException {
        Path dir = base.resolve(name);
        if (intact(dir, entries)) {
            return dir;
        }
        Path tmp = base.resolve("." + name + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            for (Entry e : entries) {
                copyVerified(e, tmp.resolve(e.name()));
            }
            try {
                // A folder rename is atomic: another jlens starting at the same time sees all of it or none.
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException raced) {
                if (!Files.exists(dir)) {
                    throw raced;
                }
                if (!intact(dir, entries)) {
                    // A damaged copy from an earlier crash: replace it.
                    deleteTree(dir);
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return dir;
        } catch (IOException e) {
            throw HubClient.writeError(tmp.resolve(MANIFEST), e);
        } finally {
            deleteTree(tmp);
        }
    }

    /** Present with the right sizes. Hashing 10 MB at every start would cost more than it guards against. */
    private static boolean intact(Path dir, List<Entry> entries) {
        try {
            for (Entry e : entries) {
                Path p = dir.resolve(e.name());
                if (!Files.isRegularFile(p) || Files.size(p) != e.size()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void copyVerified(Entry e, Path to) throws IOException, ModelStoreException {
        MessageDigest md = HubClient.sha256();
        try (InputStream raw = open(e.name()); InputStream in = new DigestInputStream(raw, md);
                OutputStream out = Files.newOutputStream(to)) {
            in.transferTo(out);
        }
        String actual = HexFormat.of().formatHex(md.digest());
        if (!actual.equals(e.sha256())) {
            throw new ModelStoreException(Kind.CHECKSUM, "the bundled demo model's " + e.name()
                    + " is damaged (SHA-256 mismatch); rebuild jlens with ./mvnw package");
        }
    }

    static List<Entry> parse(byte[] manifest) throws ModelStoreException {
        List<Entry> out = new ArrayList<>();
        for (String line : new String(manifest, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" +");
            if (f.length != 3 || !SafeNames.isSha256(f[0]) || !f[2].matches("[A-Za-z0-9._-]+")) {
                throw new ModelStoreException(Kind.IO, "the bundled demo model's manifest is damaged; rebuild jlens");
            }
            out.add(new Entry(f[0], Long.parseLong(f[1]), f[2]));
        }
        return out;
    }

    private static byte[] readResource(String name) throws ModelStoreException {
        try (InputStream in = open(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ModelStoreException(Kind.IO, "cannot read the bundled demo model: " + e.getMessage(), e);
        }
    }

    private static InputStream open(String name) throws ModelStoreException {
        InputStream in = DemoModel.class.getResourceAsStream(RESOURCE_DIR + name);
        if (in == null) {
            throw new ModelStoreException(Kind.IO, "the bundled demo model (" + RESOURCE_DIR + name
                    + ") is missing from the build; rebuild jlens with ./mvnw package");
        }
        return in;
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
