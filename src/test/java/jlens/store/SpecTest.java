package jlens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import jlens.store.ModelStoreException.Kind;

/** Spec parsing, and the rule that no name can reach outside the cache folder. */
@Timeout(60) // a hang in the network code must fail the test, not stall the build
class SpecTest {
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
    void shortNamesMapToOpenaiCommunity() throws Exception {
        Path home = tmp.resolve("home");
        for (String size : new String[] {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"}) {
            ModelSpec s = ModelSpec.parse(size, home);
            assertEquals("openai-community/" + size, s.repoId());
            assertEquals("main", s.revision());
            assertFalse(s.isLocal());
        }
        ModelSpec s = ModelSpec.parse(" gpt2-large@refs/pr/1 ", home);
        assertEquals("openai-community/gpt2-large", s.repoId());
        assertEquals("refs/pr/1", s.revision());
        assertEquals("org/name", ModelSpec.parse("org/name@" + Fixtures.COMMIT, home).repoId());
    }

    @Test
    void pathsAreLocalFolders() throws Exception {
        Path home = tmp.resolve("home");
        assertEquals(home.resolve("models/x"), ModelSpec.parse("~/models/x", home).local());
        assertEquals(Path.of("/opt/m"), ModelSpec.parse("/opt/m", home).local());
        assertEquals(Path.of("m").toAbsolutePath(), ModelSpec.parse("./m", home).local());
        assertNull(ModelSpec.parse("org/m", home).local());
    }

    @ParameterizedTest
    @ValueSource(strings = {"org/../../etc", "org/..", "../x", "..", "a/b/c", "org/name/../../../x", "..%2F..%2Fetc",
        "org/.hidden", "org/name.", "org/-x", "org--a/b", "org/a--b", "org name", "org/na\u0000me", "org/na\nme",
        "évil/gpt2", "org/name@../../x", "org/name@", "org/name@a//b", "org/name@/abs", "org/name@x y", "@main", "",
        " ", "org\\..\\..\\x", "org/name@main@x", "c:/windows/x"})
    void escapingOrOddSpecsAreRefusedBeforeAnyRequest(String spec) throws Exception {
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> Fixtures.store(env).resolve(spec));
        assertTrue(e.kind() == Kind.INVALID_SPEC || e.kind() == Kind.LOCAL_FOLDER, e.kind() + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertEquals(0, hub.log.size(), "nothing may be sent for " + spec);
        assertEquals(java.util.List.of(), Fixtures.tree(tmp), "nothing may be written");
    }

    @Test
    void pathsAreFencedEvenIfAValidatorWereWrong() {
        Path root = tmp.resolve("hub");
        assertThrows(ModelStoreException.class, () -> SafeNames.inside(root, "../x"));
        assertThrows(ModelStoreException.class, () -> SafeNames.inside(root, "/etc/passwd"));
        assertThrows(ModelStoreException.class, () -> SafeNames.inside(root, "a/../../x"));
        assertThrows(ModelStoreException.class, () -> SafeNames.inside(root, "."));
    }

    @Test
    void localFolderErrorsAreClear() throws Exception {
        ModelStore store = Fixtures.store(env);
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> store.resolve(tmp + "/nope"));
        assertEquals(Kind.LOCAL_FOLDER, e.kind());
        assertTrue(e.getMessage().startsWith("no such folder"), e.getMessage());

        Path bin = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(bin.resolve("config.json"), "{}");
        Files.writeString(bin.resolve("tokenizer.json"), "{}");
        Files.write(bin.resolve("pytorch_model.bin"), new byte[10]);
        e = assertThrows(ModelStoreException.class, () -> store.resolve(bin.toString()));
        assertEquals(Kind.NO_SAFETENSORS, e.kind());

        Path partial = Files.createDirectories(tmp.resolve("partial"));
        Files.writeString(partial.resolve("config.json"), "{}");
        e = assertThrows(ModelStoreException.class, () -> store.resolve(partial.toString()));
        assertTrue(e.getMessage().contains("lacks tokenizer.json, model.safetensors"), e.getMessage());

        Files.write(bin.resolve("model.safetensors"), new byte[10]);
        ResolvedModel m = store.resolve(bin.toString());
        assertEquals(Source.LOCAL, m.source());
        assertEquals(bin, m.dir());
        assertEquals(0, hub.log.size());
    }

    @Test
    void environmentFollowsHuggingfaceHub() {
        StoreEnv e = StoreEnv.from(Map.of("HOME", "/h", "HF_ENDPOINT", "https://mirror.example/", "HF_HUB_OFFLINE",
                "yes", "HF_TOKEN", " hf_x "));
        assertEquals(Path.of("/h/.cache/huggingface/hub"), e.hubCache());
        assertEquals("https://mirror.example", e.endpoint().toString());
        assertTrue(e.offline());
        assertEquals("hf_x", e.token());
        assertEquals(Path.of("/h/.cache/jlens"), e.jlensCache());
        assertEquals(Path.of("/h/.config/jlens"), e.configDir());
        StoreEnv f = StoreEnv.from(Map.of("HOME", "/h", "HF_HOME", "~/hf", "HF_HUB_OFFLINE", "0"));
        assertEquals(Path.of("/h/hf/hub"), f.hubCache());
        assertFalse(f.offline());
        assertEquals("https://huggingface.co", f.endpoint().toString());
        assertNull(f.token());
        assertEquals(Path.of("/x"), StoreEnv.from(Map.of("HOME", "/h", "HF_HOME", "/y", "HF_HUB_CACHE", "/x")).hubCache());
    }
}
