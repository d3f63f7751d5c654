package jlens.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jlens.store.ModelStoreException.Kind;

/**
 * A cache folder laid out exactly as Python's huggingface_hub writes it is read as is: blobs named by etag,
 * relative symlinks from the snapshot, refs/main, .no_exist markers, .locks. A hub runs on loopback only to count
 * that no request is made.
 */
@Timeout(60) // a hang in the network code must fail the test, not stall the build
class PythonCacheTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    Map<String, String> env;
    final Map<String, byte[]> files = new LinkedHashMap<>();

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        env = Fixtures.env(tmp, hub.endpoint());
        files.put("config.json", "{\"model_type\":\"gpt2\"}".getBytes(StandardCharsets.UTF_8));
        files.put("tokenizer.json", "{\"version\":\"1.0\"}".getBytes(StandardCharsets.UTF_8));
        files.put("model.safetensors", new byte[4096]);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    /** What huggingface_hub 0.2x leaves after {@code hf_hub_download} of each file. */
    static Path writePythonCache(Path hubCache, String folder, String ref, String commit, Map<String, byte[]> files)
            throws Exception {
        Path repo = hubCache.resolve(folder);
        Path snap = repo.resolve("snapshots").resolve(commit);
        Files.createDirectories(snap);
        Files.createDirectories(repo.resolve("blobs"));
        Files.createDirectories(hubCache.resolve(".locks").resolve(folder));
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            String etag = f.getKey().endsWith(".safetensors") ? FakeHub.sha256(f.getValue()) : FakeHub.gitSha1(f.getValue());
            Files.write(repo.resolve("blobs").resolve(etag), f.getValue());
            Files.createSymbolicLink(snap.resolve(f.getKey()), Path.of("../../blobs").resolve(etag));
        }
        if (ref != null) {
            Files.createDirectories(repo.resolve("refs"));
            Files.writeString(repo.resolve("refs").resolve(ref), commit); // no newline, as Python writes it
        }
        Path noExist = repo.resolve(".no_exist").resolve(commit);
        Files.createDirectories(noExist);
        Files.createFile(noExist.resolve("added_tokens.json"));
        return snap;
    }

    @Test
    void pythonLayoutIsReadAsIsWithNoRequest() throws Exception {
        Path snap = writePythonCache(tmp.resolve("hub"), "models--openai-community--gpt2-large", "main",
                Fixtures.COMMIT, files);
        ResolvedModel m = Fixtures.store(env).resolve("gpt2-large");
        assertEquals(Source.CACHE, m.source());
        assertEquals(snap, m.dir());
        assertEquals(Fixtures.COMMIT, m.revision());
        assertArrayEquals(files.get("config.json"), Files.readAllBytes(m.dir().resolve("config.json")));
        assertEquals(0, hub.log.size());
    }

    @Test
    void theOldBareGpt2FolderIsFoundToo() throws Exception {
        Path snap = writePythonCache(tmp.resolve("hub"), "models--gpt2", "main", Fixtures.COMMIT, files);
        assertEquals(snap, Fixtures.store(env).resolve("gpt2").dir());
        assertEquals(snap, Fixtures.store(env).resolve("openai-community/gpt2").dir());
        assertEquals(0, hub.log.size());
    }

    @Test
    void hfHomeAndDefaultLocationsAreHonoured() throws Exception {
        env.remove("HF_HUB_CACHE");
        env.put("HF_HOME", tmp.resolve("hfhome").toString());
        Path snap = writePythonCache(tmp.resolve("hfhome/hub"), "models--openai-community--gpt2", "main",
                Fixtures.COMMIT, files);
        assertEquals(snap, Fixtures.store(env).resolve("gpt2").dir());

        env.remove("HF_HOME");
        Path snap2 = writePythonCache(tmp.resolve("home/.cache/huggingface/hub"), "models--openai-community--gpt2",
                "main", Fixtures.COMMIT2, files);
        assertEquals(snap2, Fixtures.store(env).resolve("gpt2").dir());
        assertEquals(0, hub.log.size());
    }

    @Test
    void aTagRefAndACommitHashResolveOffline() throws Exception {
        env.put("HF_HUB_OFFLINE", "1");
        Path snap = writePythonCache(tmp.resolve("hub"), "models--org--tiny", "v1.0", Fixtures.COMMIT, files);
        assertEquals(snap, Fixtures.store(env).resolve("org/tiny@v1.0").dir());
        assertEquals(snap, Fixtures.store(env).resolve("org/tiny@" + Fixtures.COMMIT).dir());
        assertEquals(Kind.OFFLINE_NOT_CACHED,
                assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("org/tiny@v2.0")).kind());
    }

    @Test
    void withoutRefsMainTheNewestCompleteSnapshotIsUsed() throws Exception {
        Path old = writePythonCache(tmp.resolve("hub"), "models--org--tiny", null, Fixtures.COMMIT, files);
        Path newer = writePythonCache(tmp.resolve("hub"), "models--org--tiny", null, Fixtures.COMMIT2, files);
        Files.setLastModifiedTime(old, FileTime.fromMillis(1_000_000));
        Files.setLastModifiedTime(newer, FileTime.fromMillis(2_000_000));
        assertEquals(newer, Fixtures.store(env).resolve("org/tiny").dir());
        assertEquals(0, hub.log.size());
    }

    @Test
    void aSnapshotWithABrokenLinkIsNotUsedAndOnlyTheMissingFileIsFetched() throws Exception {
        Path snap = writePythonCache(tmp.resolve("hub"), "models--openai-community--gpt2", "main", Fixtures.COMMIT, files);
        Files.delete(snap.getParent().getParent().resolve("blobs").resolve(FakeHub.sha256(files.get("model.safetensors"))));
        env.put("HF_HUB_OFFLINE", "1");
        assertEquals(Kind.OFFLINE_NOT_CACHED,
                assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2")).kind());
        assertEquals(0, hub.log.size());

        env.remove("HF_HUB_OFFLINE");
        FakeHub.Repo repo = hub.add("openai-community/gpt2", Fixtures.COMMIT);
        files.forEach((k, v) -> repo.file(k, v, k.endsWith(".safetensors")));
        ResolvedModel m = Fixtures.store(env).resolve("gpt2");
        assertEquals(Source.DOWNLOAD, m.source());
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(m.dir().resolve("model.safetensors")));
        assertEquals(1, hub.requests("cdn", "GET").size());
        assertTrue(hub.log.stream().filter(r -> r.method().equals("GET")).noneMatch(r -> r.path().endsWith("config.json") || r.path().endsWith("tokenizer.json")),
                "files already in the snapshot are not fetched again, " + hub.log);
    }

    @Test
    void plainFilesInsteadOfSymlinksWork() throws Exception {
        Path snap = tmp.resolve("hub/models--org--copied/snapshots").resolve(Fixtures.COMMIT);
        Files.createDirectories(snap);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Files.write(snap.resolve(f.getKey()), f.getValue());
        }
        Files.createDirectories(snap.getParent().getParent().resolve("refs"));
        Files.writeString(snap.getParent().getParent().resolve("refs/main"), Fixtures.COMMIT + "\n");
        assertEquals(snap, Fixtures.store(env).resolve("org/copied").dir());
    }

    @Test
    void aHostileRefIsIgnoredNotFollowed() throws Exception {
        Path snap = writePythonCache(tmp.resolve("hub"), "models--org--tiny", "main", Fixtures.COMMIT, files);
        // A complete-looking model two levels up: a ref of "../../x" must not lead there.
        Path decoy = tmp.resolve("hub/models--org--tiny/snapshots/../../decoy");
        Files.createDirectories(decoy);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Files.write(decoy.resolve(f.getKey()), f.getValue());
        }
        Files.writeString(snap.getParent().getParent().resolve("refs/main"), "../../decoy");
        env.put("HF_HUB_OFFLINE", "1");
        assertEquals(Kind.OFFLINE_NOT_CACHED,
                assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("org/tiny")).kind());
    }

    @Test
    void cachedGpt2ModelsAreListedByWhatToType() throws Exception {
        Path gpt2 = writePythonCache(tmp.resolve("hub"), "models--openai-community--gpt2", "main", Fixtures.COMMIT, files);
        Path tagged = writePythonCache(tmp.resolve("hub"), "models--org--tiny", "v1.0", Fixtures.COMMIT, files);
        Path loose = writePythonCache(tmp.resolve("hub"), "models--org--tiny", null, Fixtures.COMMIT2, files);
        Map<String, byte[]> bert = new LinkedHashMap<>(files);
        bert.put("config.json", "{\"model_type\": \"bert\"}".getBytes(StandardCharsets.UTF_8));
        writePythonCache(tmp.resolve("hub"), "models--org--bert", "main", Fixtures.COMMIT, bert);
        Path broken = writePythonCache(tmp.resolve("hub"), "models--org--broken", "main", Fixtures.COMMIT, files);
        Files.delete(broken.resolve("tokenizer.json"));

        assertEquals(java.util.List.of(
                new CachedModel("gpt2", "openai-community/gpt2", Fixtures.COMMIT, gpt2, 4096),
                new CachedModel("org/tiny@v1.0", "org/tiny", Fixtures.COMMIT, tagged, 4096),
                new CachedModel("org/tiny@" + Fixtures.COMMIT2, "org/tiny", Fixtures.COMMIT2, loose, 4096)),
                Fixtures.store(env).listCached());
        assertEquals(0, hub.log.size());
        env.put("HF_HUB_CACHE", tmp.resolve("nothing-here").toString());
        assertEquals(java.util.List.of(), Fixtures.store(env).listCached());
    }
}
