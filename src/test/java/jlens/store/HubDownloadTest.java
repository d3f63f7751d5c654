package jlens.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jlens.store.ModelStoreException.Kind;

/** Downloads from a hub on loopback: the cache layout written, resume, verification, errors, cancel. */
@Timeout(60) // a hang in the network code must fail the test, not stall the build
class HubDownloadTest {
    static final String REPO = "openai-community/gpt2";
    static final int WEIGHTS = 3 * 1024 * 1024 + 17;

    @TempDir
    Path tmp;
    FakeHub hub;
    Map<String, String> env;
    FakeHub.Repo repo;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        repo = hub.addGpt2(REPO, Fixtures.COMMIT, WEIGHTS);
        env = Fixtures.env(tmp, hub.endpoint());
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    Path repoDir() {
        return tmp.resolve("hub").resolve("models--openai-community--gpt2");
    }

    @Test
    void firstDownloadWritesPythonLayoutThenSecondResolveMakesNoRequest() throws Exception {
        List<DownloadProgress> seen = new ArrayList<>();
        ResolvedModel m = Fixtures.store(env).resolve("gpt2", seen::add, new Cancellation());

        assertEquals(Source.DOWNLOAD, m.source());
        assertEquals(Fixtures.COMMIT, m.revision());
        Path snap = repoDir().resolve("snapshots").resolve(Fixtures.COMMIT);
        assertEquals(snap, m.dir());
        byte[] weights = repo.files.get("model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(m.dir().resolve("model.safetensors")));
        assertArrayEquals(repo.files.get("config.json"), Files.readAllBytes(m.dir().resolve("config.json")));
        assertArrayEquals(repo.files.get("vocab.json"), Files.readAllBytes(m.dir().resolve("vocab.json")));
        // huggingface_hub's layout: relative symlinks into blobs named by etag, and refs/main.
        Path link = snap.resolve("model.safetensors");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Path.of("../../blobs/" + FakeHub.sha256(weights)), Files.readSymbolicLink(link));
        assertEquals(Path.of("../../blobs/" + FakeHub.gitSha1(repo.files.get("config.json"))),
                Files.readSymbolicLink(snap.resolve("config.json")));
        assertEquals(Fixtures.COMMIT, Files.readString(repoDir().resolve("refs/main")));
        // Optional files the hub lacks are remembered as huggingface_hub does, not fetched again.
        assertTrue(Files.exists(repoDir().resolve(".no_exist").resolve(Fixtures.COMMIT).resolve("tokenizer_config.json")));
        assertTrue(Fixtures.tree(repoDir().resolve("blobs")).stream().noneMatch(f -> f.endsWith(".incomplete")));
        // DownloadProgress reached the end of the big file.
        DownloadProgress last = seen.stream().filter(p -> p.file().equals("model.safetensors")).reduce((a, b) -> b).orElseThrow();
        assertTrue(last.done());
        assertEquals(WEIGHTS, last.bytesDone());
        assertEquals(WEIGHTS, last.totalBytes());

        long before = hub.log.size();
        ResolvedModel again = Fixtures.store(env).resolve("gpt2");
        assertEquals(before, hub.log.size(), "a cached model must not touch the network");
        assertEquals(Source.CACHE, again.source());
        assertEquals(m.dir(), again.dir());
        assertEquals(Fixtures.COMMIT, again.revision());
    }

    @Test
    void tokenGoesToTheHubButNeverToTheCdn() throws Exception {
        repo.token = "hf_secret";
        env.put("HF_TOKEN", "hf_secret");
        Fixtures.store(env).resolve(REPO);
        assertFalse(hub.requests("cdn", "GET").isEmpty(), "the LFS file must come through the redirect");
        assertTrue(hub.log.stream().filter(r -> r.server().equals("hub"))
                .allMatch(r -> "Bearer hf_secret".equals(r.auth())));
        assertTrue(hub.log.stream().filter(r -> r.server().equals("cdn")).allMatch(r -> r.auth() == null));
    }

    @Test
    void interruptedDownloadResumesWithRange() throws Exception {
        hub.dropAfter = 1_000_000;
        hub.dropTimes.set(1);
        ModelStore store = Fixtures.store(env);
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> store.resolve("gpt2"));
        assertEquals(Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("resume"), e.getMessage());
        String sha = FakeHub.sha256(repo.files.get("model.safetensors"));
        Path partial = repoDir().resolve("blobs").resolve(sha + ".incomplete");
        long kept = Files.size(partial);
        assertTrue(kept > 0 && kept <= 1_000_000, "kept " + kept);
        assertFalse(Files.exists(repoDir().resolve("snapshots")), "nothing half-written may appear in snapshots");

        ResolvedModel m = store.resolve("gpt2");
        List<FakeHub.Req> gets = hub.requests("cdn", "GET");
        assertEquals(2, gets.size());
        assertNull(gets.get(0).range());
        assertEquals("bytes=" + kept + "-", gets.get(1).range());
        assertArrayEquals(repo.files.get("model.safetensors"), Files.readAllBytes(m.dir().resolve("model.safetensors")));
        assertFalse(Files.exists(partial));
    }

    @Test
    void corruptDownloadIsDeletedAndNeverUsed() throws Exception {
        hub.fakeLinkedEtag = FakeHub.sha256("something else".getBytes(StandardCharsets.UTF_8));
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2"));
        assertEquals(Kind.CHECKSUM, e.kind());
        assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("deleted"), e.getMessage());
        assertFalse(Files.exists(repoDir().resolve("snapshots")));
        assertFalse(Files.exists(repoDir().resolve("refs")));
        assertTrue(Fixtures.tree(repoDir().resolve("blobs")).stream().noneMatch(f -> f.startsWith(hub.fakeLinkedEtag)),
                "neither the blob nor its partial file may stay: " + Fixtures.tree(repoDir()));
        // Offline afterwards, the cache must not offer the broken model.
        env.put("HF_HUB_OFFLINE", "1");
        assertEquals(Kind.OFFLINE_NOT_CACHED,
                assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2")).kind());
    }

    @Test
    void unknownModelIs404WithAClearMessage() {
        ModelStoreException e = assertThrows(ModelStoreException.class,
                () -> Fixtures.store(env).resolve("nobody/nothing"));
        assertEquals(Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().startsWith("unknown model nobody/nothing"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void unknownRevisionSaysSo() {
        ModelStoreException e = assertThrows(ModelStoreException.class,
                () -> Fixtures.store(env).resolve("gpt2@v9"));
        assertEquals(Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("no revision 'v9'"), e.getMessage());
    }

    @Test
    void unauthorisedSaysToSetHfToken() {
        repo.token = "hf_secret";
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2"));
        assertEquals(Kind.AUTH, e.kind());
        assertTrue(e.getMessage().contains("401") && e.getMessage().contains("set HF_TOKEN"), e.getMessage());

        env.put("HF_TOKEN", "hf_wrong");
        e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2"));
        assertTrue(e.getMessage().contains("HF_TOKEN was sent and refused"), e.getMessage());
    }

    @Test
    void forbiddenSaysToAcceptTheLicence() {
        repo.status = 403;
        repo.errorCode = "GatedRepo";
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2"));
        assertEquals(Kind.AUTH, e.kind());
        assertTrue(e.getMessage().contains("accept the licence at " + hub.endpoint() + "/" + REPO), e.getMessage());
    }

    @Test
    void pickleOnlyRepoIsRefusedAndNeverFetched() {
        FakeHub.Repo bin = hub.add("someone/old-gpt2", Fixtures.COMMIT)
                .file("config.json", "{}".getBytes(), false)
                .file("tokenizer.json", "{}".getBytes(), false)
                .file("pytorch_model.bin", new byte[1000], true);
        ModelStoreException e = assertThrows(ModelStoreException.class,
                () -> Fixtures.store(env).resolve("someone/old-gpt2"));
        assertEquals(Kind.NO_SAFETENSORS, e.kind());
        assertTrue(e.getMessage().contains("pytorch_model.bin") && e.getMessage().contains("safetensors"));
        assertTrue(hub.log.stream().noneMatch(r -> r.method().equals("GET") && r.path().endsWith(".bin")));
        assertTrue(hub.requests("cdn", "GET").isEmpty());
        assertTrue(bin.files.containsKey("pytorch_model.bin"));
    }

    @Test
    void connectionRefusedSaysCannotReach() throws Exception {
        hub.close(); // nothing listens on that port any more
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2"));
        assertEquals(Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().startsWith("cannot reach " + hub.endpoint()), e.getMessage());
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
    }

    @Test
    void offlineNeverTouchesTheNetwork() throws Exception {
        env.put("HF_HUB_OFFLINE", "1");
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2"));
        assertEquals(Kind.OFFLINE_NOT_CACHED, e.kind());
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
        assertEquals(0, hub.log.size());

        env.remove("HF_HUB_OFFLINE");
        Fixtures.store(env).resolve("gpt2");
        long after = hub.log.size();
        env.put("HF_HUB_OFFLINE", "true");
        assertEquals(Source.CACHE, Fixtures.store(env).resolve("gpt2").source());
        assertEquals(after, hub.log.size());
    }

    @Test
    void fullDiskIsReportedBeforeDownloading() {
        ModelStore store = Fixtures.store(env, dir -> 1000, Duration.ofSeconds(5));
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> store.resolve("gpt2"));
        assertEquals(Kind.DISK_FULL, e.kind());
        assertTrue(e.getMessage().contains("not enough disk space") && e.getMessage().contains("HF_HUB_CACHE"),
                e.getMessage());
        assertTrue(hub.log.stream().noneMatch(r -> r.method().equals("GET")));
    }

    @Test
    void cancelKeepsThePartialFileAndTheNextTryResumes() throws Exception {
        Cancellation cancel = new Cancellation();
        ProgressListener cancelOnFirstBytes = p -> {
            if (p.file().equals("model.safetensors") && p.bytesDone() > 0) {
                cancel.cancel();
            }
        };
        ModelStore store = Fixtures.store(env);
        ModelStoreException e = assertThrows(ModelStoreException.class,
                () -> store.resolve("gpt2", cancelOnFirstBytes, cancel));
        assertEquals(Kind.CANCELLED, e.kind());
        assertFalse(Thread.currentThread().isInterrupted(), "the store must not leave the caller interrupted");
        Path partial = repoDir().resolve("blobs").resolve(FakeHub.sha256(repo.files.get("model.safetensors"))
                + ".incomplete");
        long kept = Files.size(partial);
        assertTrue(kept > 0 && kept < WEIGHTS, "kept " + kept);

        ResolvedModel m = store.resolve("gpt2");
        assertEquals("bytes=" + kept + "-", hub.requests("cdn", "GET").get(1).range());
        assertArrayEquals(repo.files.get("model.safetensors"), Files.readAllBytes(m.dir().resolve("model.safetensors")));
    }

    @Test
    void cancelFromAnotherThreadStopsABlockedReadWithinASecond() throws Exception {
        hub.stallAfter = 200_000;
        Cancellation cancel = new Cancellation();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Fixtures.store(env).resolve("gpt2", ProgressListener.NONE, cancel);
            } catch (Throwable x) {
                thrown.set(x);
            }
        });
        t.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (hub.requests("cdn", "GET").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300); // the client is now blocked reading a body that does not come
        long t0 = System.nanoTime();
        cancel.cancel();
        t.join(5000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(t.isAlive(), "download did not stop");
        assertTrue(ms < 1000, "took " + ms + " ms");
        assertTrue(thrown.get() instanceof ModelStoreException mse && mse.kind() == Kind.CANCELLED,
                String.valueOf(thrown.get()));
    }

    @Test
    void stalledConnectionGivesUpAndKeepsThePartialFile() throws Exception {
        hub.stallAfter = 200_000;
        ModelStore store = Fixtures.store(env, dir -> Long.MAX_VALUE, Duration.ofMillis(800));
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> store.resolve("gpt2"));
        assertEquals(Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("stalled") && e.getMessage().contains("resume"), e.getMessage());
        assertFalse(Thread.currentThread().isInterrupted());
        assertTrue(Fixtures.tree(repoDir().resolve("blobs")).stream().anyMatch(f -> f.endsWith(".incomplete")));
    }

    @Test
    void hostileCommitOrEtagFromTheServerIsRefused() throws Exception {
        hub.fakeCommit = "../../../../escaped";
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2"));
        assertEquals(Kind.PROTOCOL, e.kind());
        hub.fakeCommit = null;
        hub.fakeLinkedEtag = "../../../../escaped";
        e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2"));
        assertEquals(Kind.PROTOCOL, e.kind());
        assertFalse(Files.exists(tmp.resolve("escaped")));
        assertTrue(Fixtures.tree(tmp).stream().noneMatch(f -> f.contains("escaped")));
    }

    @Test
    void anotherCommitGetsItsOwnSnapshotSharingBlobsAndMainStaysCached() throws Exception {
        Fixtures.store(env).resolve(REPO);
        FakeHub.Repo newer = hub.addGpt2(REPO, Fixtures.COMMIT2, WEIGHTS);
        long cdnBefore = hub.requests("cdn", "GET").size();
        ResolvedModel m = Fixtures.store(env).resolve(REPO + "@" + Fixtures.COMMIT2);
        assertEquals(Source.DOWNLOAD, m.source());
        assertEquals(Fixtures.COMMIT2, m.revision());
        assertEquals(cdnBefore, hub.requests("cdn", "GET").size(), "identical weights are shared, not fetched again");
        assertArrayEquals(newer.files.get("model.safetensors"), Files.readAllBytes(m.dir().resolve("model.safetensors")));
        assertEquals(Fixtures.COMMIT, Files.readString(repoDir().resolve("refs/main")), "a commit needs no ref");
        // The cache answers first: main is what refs/main says, with no request to look for a newer commit.
        long before = hub.log.size();
        assertEquals(Fixtures.COMMIT, Fixtures.store(env).resolve("gpt2").revision());
        assertEquals(before, hub.log.size());
    }

    @Test
    void aRenamedRepoIsFollowedOnTheSameHost() throws Exception {
        hub.renamed.put("oldname/gpt2", REPO);
        env.put("HF_TOKEN", "hf_secret");
        ResolvedModel m = Fixtures.store(env).resolve("oldname/gpt2");
        assertEquals(tmp.resolve("hub/models--oldname--gpt2/snapshots").resolve(Fixtures.COMMIT), m.dir(),
                "cached under the name the user typed, as huggingface_hub does");
        assertArrayEquals(repo.files.get("model.safetensors"), Files.readAllBytes(m.dir().resolve("model.safetensors")));
        assertTrue(hub.log.stream().filter(r -> r.server().equals("hub")).allMatch(r -> r.auth() != null),
                "a same-host redirect keeps the token");
    }

    @Test
    void httpProxyFromTheEnvironmentIsUsedAndLoopbackBypassesIt() throws Exception {
        // The endpoint's host does not exist: only a request through the proxy (the fake hub) can succeed.
        env.put("HF_ENDPOINT", "http://hub.jlens-test.invalid:1");
        env.put("http_proxy", "http://127.0.0.1:" + hub.port());
        ResolvedModel m = Fixtures.store(env).resolve("gpt2");
        assertEquals(Source.DOWNLOAD, m.source());
        assertTrue(hub.log.stream().filter(r -> r.server().equals("hub")).count() > 3);
        // The CDN is on 127.0.0.1: reached directly, so the (hub-only) proxy never saw a CDN path.
        assertTrue(hub.log.stream().filter(r -> r.server().equals("hub")).noneMatch(r -> r.path().contains("/repos/")));

        env.put("NO_PROXY", ".jlens-test.invalid");
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve("gpt2-xl"));
        assertEquals(Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("host not found"), e.getMessage());
    }

    @Test
    void aServerThatIgnoresRangeRestartsFromZeroCorrectly() throws Exception {
        hub.dropAfter = 500_000;
        hub.dropTimes.set(1);
        hub.ignoreRange = true;
        ModelStore store = Fixtures.store(env);
        assertThrows(ModelStoreException.class, () -> store.resolve("gpt2"));
        ResolvedModel m = store.resolve("gpt2");
        assertTrue(hub.requests("cdn", "GET").get(1).range() != null, "a resume was asked for");
        assertArrayEquals(repo.files.get("model.safetensors"), Files.readAllBytes(m.dir().resolve("model.safetensors")),
                "a 200 answer to a Range request must replace the partial file, not be appended to it");
    }

    @Test
    void interruptingTheDownloadingThreadCancelsIt() throws Exception {
        hub.stallAfter = 200_000;
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Fixtures.store(env).resolve("gpt2");
            } catch (Throwable x) {
                thrown.set(x);
            }
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        t.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (hub.requests("cdn", "GET").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300);
        long t0 = System.nanoTime();
        t.interrupt();
        t.join(5000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(t.isAlive(), "download did not stop");
        assertTrue(ms < 1000, "took " + ms + " ms");
        assertTrue(thrown.get() instanceof ModelStoreException mse && mse.kind() == Kind.CANCELLED,
                String.valueOf(thrown.get()));
        assertTrue(stillInterrupted.get(), "the caller's own interrupt is left for the caller to see");
    }

    @Test
    void theTokenSavedByHuggingfaceCliLoginIsUsed() throws Exception {
        repo.token = "hf_saved";
        Path tokenFile = tmp.resolve("home/.cache/huggingface/token");
        Files.createDirectories(tokenFile.getParent());
        Files.writeString(tokenFile, "hf_saved\n");
        assertEquals(Source.DOWNLOAD, Fixtures.store(env).resolve("gpt2").source());
        assertTrue(hub.log.stream().filter(r -> r.server().equals("hub")).allMatch(r -> "Bearer hf_saved".equals(r.auth())));
        env.put("HF_TOKEN", "hf_env_wins");
        assertEquals("hf_env_wins", StoreEnv.from(env).token());
    }
}
