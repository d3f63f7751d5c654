package jlens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jlens.store.ModelStoreException.Kind;

/** What {@code ./jlens} opens with no {@code --model}, and how the choice can be configured. */
@Timeout(60) // a hang in the network code must fail the test, not stall the build
class DefaultModelTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        env = Fixtures.env(tmp, hub.endpoint());
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void offlineWithNothingCachedFallsBackToTheDemoModelWithoutARequest() throws Exception {
        env.put("HF_HUB_OFFLINE", "1");
        ResolvedModel m = Fixtures.store(env).resolveDefault(null, ProgressListener.NONE, new Cancellation());
        assertEquals(Source.BUNDLED, m.source());
        assertTrue(m.isDemo());
        assertTrue(m.note().contains("offline"), m.note());
        assertTrue(ModelFiles.complete(m.dir()));
        assertTrue(m.bannerLine().startsWith("demo model with random weights (offline"), m.bannerLine());
        assertEquals(0, hub.log.size());
    }

    @Test
    void noNetworkFallsBackToTheDemoModelAndSaysWhy() throws Exception {
        hub.close();
        ResolvedModel m = Fixtures.store(env).resolveDefault(null, ProgressListener.NONE, new Cancellation());
        assertEquals(Source.BUNDLED, m.source());
        assertTrue(m.note().contains("cannot reach"), m.note());
    }

    @Test
    void gpt2IsTheDefaultWhenCachedOrDownloadable() throws Exception {
        hub.addGpt2("openai-community/gpt2", Fixtures.COMMIT, 10_000);
        ResolvedModel m = Fixtures.store(env).resolveDefault(null, ProgressListener.NONE, new Cancellation());
        assertEquals(Source.DOWNLOAD, m.source());
        assertEquals("gpt2", m.spec());
        env.put("HF_HUB_OFFLINE", "1");
        m = Fixtures.store(env).resolveDefault(null, ProgressListener.NONE, new Cancellation());
        assertEquals(Source.CACHE, m.source());
        assertNull(m.note());
        assertTrue(m.bannerLine().startsWith("model gpt2 @0123456789"), m.bannerLine());
    }

    @Test
    void anExplicitModelThatFailsIsAnErrorNotTheDemo() {
        env.put("HF_HUB_OFFLINE", "1");
        ModelStoreException e = assertThrows(ModelStoreException.class,
                () -> Fixtures.store(env).resolveDefault("gpt2-xl", ProgressListener.NONE, new Cancellation()));
        assertEquals(Kind.OFFLINE_NOT_CACHED, e.kind());
        assertTrue(e.getMessage().endsWith("(model from --model)"), e.getMessage());
    }

    @Test
    void cliBeatsEnvironmentBeatsSettingsFile() throws Exception {
        Path settings = tmp.resolve("xdg-config/jlens/settings.properties");
        Files.createDirectories(settings.getParent());
        Files.writeString(settings, "# jlens settings\nmodel = org/from-file@v1\n");
        StoreEnv e = StoreEnv.from(env);
        assertEquals(new ModelChoice("org/from-file@v1", settings.toString()), ModelChoice.choose(null, e));
        env.put("JLENS_MODEL", "org/from-env");
        e = StoreEnv.from(env);
        assertEquals(new ModelChoice("org/from-env", "JLENS_MODEL"), ModelChoice.choose(" ", e));
        assertEquals(new ModelChoice("./mine", "--model"), ModelChoice.choose("./mine", e));
        env.remove("JLENS_MODEL");
        Files.writeString(settings, "other=1\n");
        assertTrue(ModelChoice.choose(null, StoreEnv.from(env)).isDefault());
    }

    @Test
    void demoCanBeConfiguredByName() throws Exception {
        env.put("JLENS_MODEL", "demo");
        ResolvedModel m = Fixtures.store(env).resolveDefault(null, ProgressListener.NONE, new Cancellation());
        assertEquals(Source.BUNDLED, m.source());
        assertNull(m.note());
        assertEquals(0, hub.log.size());
    }
}
