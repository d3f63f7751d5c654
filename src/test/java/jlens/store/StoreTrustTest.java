package jlens.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing is trusted from a shared place, and secrets never reach a message: the known model's fallback folder under
 * the system's temporary folder is used only when it is this user's own 0700 folder, a known model is called known
 * only when its files hash to what the writer writes, a token is never echoed, and environment paths that are not
 * absolute are not used.
 */
@Timeout(120)
class StoreTrustTest {
    @TempDir
    Path tmp;
    private String savedTmpdir;

    @BeforeEach
    void keepTmpdir() {
        savedTmpdir = System.getProperty("java.io.tmpdir");
    }

    @AfterEach
    void restoreTmpdir() {
        System.setProperty("java.io.tmpdir", savedTmpdir);
    }

    /** An environment whose own cache cannot be made (a file stands where its folder would be). */
    private Map<String, String> unwritableCache() throws Exception {
        Map<String, String> env = Fixtures.env(tmp, null);
        Files.writeString(tmp.resolve("xdg-cache"), "a file, not a folder");
        return env;
    }

    /** A complete known model with its weights changed, sizes and size list intact: what a planted copy looks like. */
    private static void plantAltered(Path dir) throws Exception {
        KnownModel.ensureIn(dir.getParent());
        Path weights = dir.resolve("model.safetensors");
        byte[] w = Files.readAllBytes(weights);
        long size = w.length;
        for (int i = w.length - 4096; i < w.length; i++) {
            w[i] ^= 0x55;
        }
        Files.write(weights, w);
        assertEquals(size, Files.size(weights), "the size still matches its list");
    }

    /** The fallback folder in a stand-in for the shared temporary folder, holding an altered known model. */
    private Path fallbackWithAlteredModel(String mode) throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared-tmp"));
        System.setProperty("java.io.tmpdir", shared.toString());
        Path fallback = Files.createDirectories(shared.resolve("jlens-" + System.getProperty("user.name", "user")));
        plantAltered(fallback.resolve("known-model-" + KnownModel.VERSION));
        Files.setPosixFilePermissions(fallback, PosixFilePermissions.fromString(mode));
        return fallback.resolve("known-model-" + KnownModel.VERSION);
    }

    @Test
    void aSharedFallbackFolderOthersCanWriteIsRefusedWithOneLine() throws Exception {
        fallbackWithAlteredModel("rwxrwxrwx");

        ModelStore store = Fixtures.store(unwritableCache());
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> store.bundled(null),
                "a planted model in a folder others can write must never be loaded");
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.resolve("xdg-cache").toString()) && e.getMessage().contains("writable"),
                "says which folder to make writable: " + e.getMessage());
    }

    @Test
    void aPrivateFallbackFolderIsUsedButItsModelIsVerified() throws Exception {
        Path dir = fallbackWithAlteredModel("rwx------");
        byte[] altered = Files.readAllBytes(dir.resolve("model.safetensors"));

        ResolvedModel m = Fixtures.store(unwritableCache()).bundled(null);
        assertEquals(dir, m.dir());
        assertFalse(java.util.Arrays.equals(altered, Files.readAllBytes(dir.resolve("model.safetensors"))),
                "the altered weights were written again, not taken as known");
    }

    @Test
    void aKnownModelWhoseBytesDifferIsWrittenAgainEvenWhenTheSizesMatch() throws Exception {
        Path cache = Files.createDirectories(tmp.resolve("xdg-cache").resolve("jlens"));
        Path dir = cache.resolve("known-model-" + KnownModel.VERSION);
        KnownModel.ensureIn(cache);
        byte[] good = Files.readAllBytes(dir.resolve("model.safetensors"));
        plantAltered(dir);
        assertNotEquals(java.util.Arrays.hashCode(good), java.util.Arrays.hashCode(Files.readAllBytes(dir.resolve("model.safetensors"))));

        ResolvedModel m = Fixtures.store(Fixtures.env(tmp, null)).bundled(null);
        assertEquals(dir, m.dir());
        assertArrayEquals(good, Files.readAllBytes(dir.resolve("model.safetensors")));
    }

    @Test
    void aTokenWithALineBreakIsNeverEchoed() throws Exception {
        FakeHub hub = new FakeHub();
        try {
            FakeHub.Repo repo = hub.addGpt2(HubDownloadTest.REPO, Fixtures.COMMIT, 1000);
            repo.token = "hf_theRealOne"; // a gated repo: refused without its token
            Map<String, String> env = Fixtures.env(tmp, hub.endpoint());
            env.put("HF_TOKEN", "hf_plantedFirstHalf\nplantedSecondHalf");
            Exception e = assertThrows(Exception.class, () -> Fixtures.store(env).resolve(HubDownloadTest.REPO));
            for (Throwable t = e; t != null; t = t.getCause()) {
                String m = String.valueOf(t.getMessage());
                assertFalse(m.contains("plantedFirstHalf") || m.contains("plantedSecondHalf"),
                        t.getClass().getSimpleName() + " echoes the token: " + m);
            }
            assertTrue(e instanceof ModelStoreException && e.getMessage().contains("HF_TOKEN"), e.toString());
            assertTrue(hub.log.stream().allMatch(r -> r.auth() == null), "a token with a line break is never sent");
            assertFalse(StoreEnv.from(env).toString().contains("planted"), StoreEnv.from(env).toString());
        } finally {
            hub.close();
        }
    }

    @Test
    void aRelativeCacheHomeIsNotUsed() {
        Map<String, String> env = Fixtures.env(tmp, null);
        env.put("XDG_CACHE_HOME", "relative/cache");
        env.put("XDG_CONFIG_HOME", "relative/config");
        StoreEnv e = StoreEnv.from(env);
        assertEquals(tmp.resolve("home").resolve(".cache").resolve("jlens"), e.jlensCache());
        assertEquals(tmp.resolve("home").resolve(".config").resolve("jlens"), e.configDir());
    }

    @Test
    void anEndpointThatIsNotAnAddressDoesNotStopAStoreThatNeedsNoNetwork() throws Exception {
        Map<String, String> env = Fixtures.env(tmp, "::not a uri");
        ModelStore store = Fixtures.store(env);
        ResolvedModel m = store.bundled(null);
        assertTrue(ModelFiles.complete(m.dir()));
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> store.resolve("gpt2"));
        assertTrue(e.getMessage().contains("HF_ENDPOINT"), e.getMessage());
    }
}
