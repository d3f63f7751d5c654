package jlens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jlens.SaeFixtures;
import jlens.sae.Sae;
import jlens.store.ModelStoreException.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SAE folders from a hub on loopback, as SAELens's releases keep them (a repo, a folder per SAE): fetched into the
 * Hugging Face cache in huggingface_hub's layout (the weights through the LFS redirect, verified), read as an SAE, and
 * found there the next time with no request; bad names refused before any request; a missing folder said in one line.
 */
@Timeout(60)
class SaeHubTest {
    static final String REPO = "jbloom/GPT2-Small-SAEs-Reformatted";
    static final List<String> FILES = List.of("cfg.json", "sae_weights.safetensors");

    @TempDir
    Path tmp;
    FakeHub hub;
    Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        Path fixture = SaeFixtures.dir("relu-pre6");
        hub.add(REPO, Fixtures.COMMIT)
                .file("blocks.2.hook_resid_pre/cfg.json", Files.readAllBytes(fixture.resolve("cfg.json")), false)
                .file("blocks.2.hook_resid_pre/sae_weights.safetensors",
                        Files.readAllBytes(fixture.resolve("sae_weights.safetensors")), true);
        env = Fixtures.env(tmp, hub.endpoint());
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void fetchedIntoTheCacheThenFoundThereWithoutARequest() throws Exception {
        Path dir = Fixtures.store(env).resolveFolder(REPO + "/blocks.2.hook_resid_pre", FILES, ProgressListener.NONE,
                new Cancellation());
        Path snap = tmp.resolve("hub").resolve("models--jbloom--GPT2-Small-SAEs-Reformatted").resolve("snapshots")
                .resolve(Fixtures.COMMIT).resolve("blocks.2.hook_resid_pre");
        assertEquals(snap, dir);
        assertTrue(Files.isSymbolicLink(dir.resolve("cfg.json")), "linked to its blob, as huggingface_hub writes it");
        assertEquals(Fixtures.COMMIT, Files.readString(tmp.resolve("hub").resolve("models--jbloom--GPT2-Small-SAEs-Reformatted")
                .resolve("refs").resolve("main")).trim());
        assertTrue(hub.count("cdn") > 0, "the weights came through the LFS redirect");
        try (Sae sae = Sae.load(dir, "hub", Device.cpu(), Double.NaN)) {
            assertEquals("blocks.2.hook_resid_pre", sae.hook());
            assertEquals(96, sae.dSae());
        }
        long before = hub.log.size();
        assertEquals(dir, Fixtures.store(env).resolveFolder(REPO + "/blocks.2.hook_resid_pre", FILES, ProgressListener.NONE,
                new Cancellation()));
        assertEquals(before, hub.log.size(), "the second time it is found in the cache");
        // SAELens's release name for the same repo
        assertEquals(dir, Fixtures.store(env).resolveFolder("gpt2-small-res-jb/blocks.2.hook_resid_pre", FILES,
                ProgressListener.NONE, new Cancellation()));
    }

    @Test
    void badNamesAreRefusedBeforeAnyRequest() {
        for (String spec : List.of("jbloom/GPT2-Small-SAEs-Reformatted", "jbloom/x/../../etc", "jbloom/x/a\u001b[2Jb",
                "a/b/.hidden", "../x/y", "jbloom/x@../y/z")) {
            ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolveFolder(spec, FILES,
                    ProgressListener.NONE, new Cancellation()), spec);
            assertEquals(Kind.INVALID_SPEC, e.kind(), spec + ": " + e.getMessage());
            assertTrue(e.getMessage().codePoints().noneMatch(Character::isISOControl), e.getMessage());
        }
        assertEquals(0, hub.log.size());
    }

    @Test
    void aMissingFolderIsSaidInOneLine() {
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolveFolder(
                REPO + "/blocks.9.hook_resid_pre", FILES, ProgressListener.NONE, new Cancellation()));
        assertEquals(Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("blocks.9.hook_resid_pre/cfg.json") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void offlineAndNotCachedSaysSo() {
        env.put("HF_HUB_OFFLINE", "1");
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolveFolder(
                REPO + "/blocks.2.hook_resid_pre", FILES, ProgressListener.NONE, new Cancellation()));
        assertEquals(Kind.OFFLINE_NOT_CACHED, e.kind());
        assertEquals(0, hub.log.size());
    }
}
