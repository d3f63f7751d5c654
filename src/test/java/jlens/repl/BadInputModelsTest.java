package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import jlens.Fixture;
import jlens.model.CheckpointFiles;
import jlens.model.Gpt2;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken model folders loaded through the REPL's {@code load}: every loader error class, a config that contradicts
 * the weights and a tokenizer that does not fit the vocabulary. Each gives one line naming what is wrong, the
 * model loaded before stays loaded (same object, same text, tokens and activations), and no native arrays are
 * left behind by the failed load.
 */
class BadInputModelsTest {
    @TempDir
    Path tmp;

    TestSessions.Buffered b;
    Gpt2 before;

    @BeforeEach
    void ready() {
        b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "run", "var");
        b.take();
        before = b.session().workspace().model();
    }

    private Path folder() throws IOException {
        return CheckpointFiles.copyWithoutWeights(Fixture.dir(), tmp.resolve("model"));
    }

    private Path folderWithWeights() throws IOException {
        Path dir = folder();
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    /** {@code load DIR} must fail with one line mentioning every part, and leave the session exactly as it was. */
    private void loadFails(Path dir, String... parts) {
        Session s = b.session();
        TestSessions.State state = TestSessions.state(s);
        int arrays = liveArrays();
        UserError e = assertThrows(UserError.class, () -> s.interpreter().run("load " + dir));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertFalse(m.contains("Exception") || m.contains("internal error"), m);
        for (String p : parts) {
            assertTrue(m.contains(p), "'" + m + "' should mention '" + p + "'");
        }
        assertSame(before, s.workspace().model(), "the model loaded before stays loaded");
        assertEquals(state, TestSessions.state(s), "session unchanged after load " + dir);
        assertEquals(arrays, liveArrays(), "a failed load leaves no native arrays behind");
        s.interpreter().run("split qkv 1"); // and it still works
        assertTrue(b.take().contains("Q [30, 32]"));
    }

    /** Every NDArray alive in the engine: the system manager's, which holds every base manager. */
    private int liveArrays() {
        return ((BaseNDManager) before.manager().getParentManager()).getManagedArrays().size();
    }

    private static void writeRaw(Path file, long declaredHeaderLength, String json, int dataBytes) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(declaredHeaderLength).put(header);
        Files.write(file, buf.array());
    }

    @Test
    void missingFolderFileAndFolderParts() throws IOException {
        loadFails(tmp.resolve("nope"), "no such folder");
        Path dir = folder();
        loadFails(dir, "model.safetensors");
        Files.createDirectory(dir.resolve("model.safetensors"));
        loadFails(dir, "model.safetensors");
        Files.delete(dir.resolve("model.safetensors"));
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.delete(dir.resolve("tokenizer.json"));
        loadFails(dir, "tokenizer.json");
        Files.delete(dir.resolve("config.json"));
        Files.createDirectory(dir.resolve("config.json"));
        loadFails(dir, "config.json");
    }

    @Test
    void picklesAreNeverRead() throws IOException {
        Path dir = folder();
        // A "checkpoint" that only a pickle loader would open; jlens must refuse it by name, not try it.
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 0x02, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm'});
        loadFails(dir, "model.safetensors");
    }

    @Test
    void malformedConfig() throws IOException {
        Path dir = folderWithWeights();
        Files.writeString(dir.resolve("config.json"), "{\"n_layer\": 3, ");
        loadFails(dir, "config.json", "malformed JSON");
        Files.writeString(dir.resolve("config.json"), "");
        loadFails(dir, "config.json");
        Files.writeString(dir.resolve("config.json"), "[1, 2]");
        loadFails(dir, "config.json");
    }

    @Test
    void brokenSafetensorsFiles() throws IOException {
        Path dir = folder();
        Path st = dir.resolve("model.safetensors");
        byte[] full = Files.readAllBytes(Fixture.dir().resolve("model.safetensors"));
        Files.write(st, Arrays.copyOf(full, full.length / 2));
        loadFails(dir, "model.safetensors", "run past the end");
        Files.write(st, new byte[0]);
        loadFails(dir, "model.safetensors");
        Files.write(st, new byte[] {1, 2, 3});
        loadFails(dir, "model.safetensors", "truncated");
        writeRaw(st, 1_000_000, "{}", 0);
        loadFails(dir, "model.safetensors", "past the end");
        writeRaw(st, -5, "{}", 0);
        loadFails(dir, "model.safetensors", "not a safetensors file");
        String json = "{\"wte.weight\": {\"dtype\": ";
        writeRaw(st, json.length(), json, 0);
        loadFails(dir, "model.safetensors", "malformed");
        json = "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}";
        writeRaw(st, json.length(), json, 8);
        loadFails(dir, "model.safetensors", "wte.weight", "past the end");
    }

    @Test
    void missingKeyWrongShapeAndDtype() throws IOException {
        Path dir = folder();
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) ->
                info.name().equals("h.1.mlp.c_fc.bias") ? null : CheckpointFiles.Rewritten.same(info, data));
        loadFails(dir, "missing tensor 'h.1.mlp.c_fc.bias'");
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) -> info.name().equals("wpe.weight")
                ? new CheckpointFiles.Rewritten(info.name(), "F32", new long[] {32, 32}, Arrays.copyOf(data, 32 * 32 * 4))
                : CheckpointFiles.Rewritten.same(info, data));
        loadFails(dir, "wpe.weight", "(32, 32)");
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) -> info.name().equals("ln_f.bias")
                ? new CheckpointFiles.Rewritten(info.name(), "I32", info.shape(), data)
                : CheckpointFiles.Rewritten.same(info, data));
        loadFails(dir, "ln_f.bias", "unsupported dtype I32");
    }

    @Test
    void configThatContradictsTheWeights() throws IOException {
        Path dir = folderWithWeights();
        String config = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"n_layer\": 3", "\"n_layer\": 2"));
        loadFails(dir, "n_layer 2");
        Files.writeString(dir.resolve("config.json"), config.replace("\"n_embd\": 32", "\"n_embd\": 48"));
        loadFails(dir, "model.safetensors");
        Files.writeString(dir.resolve("config.json"), config.replace("\"n_head\": 4", "\"n_head\": 5"));
        loadFails(dir, "n_head");
        Files.writeString(dir.resolve("config.json"), config.replace("\"n_positions\": 64", "\"n_positions\": 128"));
        loadFails(dir, "wpe.weight");
    }

    @Test
    void tokenizerThatDoesNotFitTheVocabulary() throws IOException {
        Path dir = folderWithWeights();
        String config = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"vocab_size\": 50257", "\"vocab_size\": 1000"));
        loadFails(dir, "tokenizer", "50257", "1000");
        // The other way round: the config and weights agree, the tokenizer has ids the embedding does not have.
        Files.writeString(dir.resolve("config.json"), config);
        JsonObject tok = JsonParser.parseString(Files.readString(dir.resolve("tokenizer.json"))).getAsJsonObject();
        JsonObject vocab = tok.getAsJsonObject("model").getAsJsonObject("vocab");
        for (int i = 0; i < 100; i++) {
            vocab.addProperty("zz" + i, 50257 + i);
        }
        Files.writeString(dir.resolve("tokenizer.json"), tok.toString());
        loadFails(dir, "tokenizer", "50357", "50257");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": 7}");
        loadFails(dir, "tokenizer.json");
    }

    @Test
    void aGoodLoadAfterBadOnesReplacesTheModel() throws IOException {
        loadFails(tmp.resolve("nope"), "no such folder");
        Path dir = folderWithWeights();
        b.session().interpreter().run("load " + dir);
        Gpt2 loaded = b.session().workspace().model();
        assertTrue(loaded != before, "a new model");
        assertEquals(30, b.session().workspace().ids().length, "the text is kept and tokenised again");
        assertFalse(b.session().workspace().hasRun(), "activations of the old model are dropped");
        b.session().close(); // closes the model it loaded (owned), not the shared fixture
        assertTrue(before.manager().isOpen());
    }
}
