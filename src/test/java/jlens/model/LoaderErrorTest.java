package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import jlens.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken checkpoints give one clear line naming the file (and key), never a crash. */
class LoaderErrorTest {
    @TempDir
    Path tmp;

    private Path folder() throws IOException {
        return CheckpointFiles.copyWithoutWeights(Fixture.dir(), tmp.resolve("model"));
    }

    private static ModelLoadException loadFails(Path dir) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2.load(dir).close());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    private static void assertMentions(ModelLoadException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention '" + p + "'");
        }
    }

    /** A safetensors file with the given header JSON (padded) and {@code dataBytes} zero bytes of data. */
    private static void writeRaw(Path file, long declaredHeaderLength, String json, int dataBytes) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLength).put(header);
        Files.write(file, b.array());
    }

    @Test
    void missingFolder() {
        assertMentions(loadFails(tmp.resolve("nope")), "nope", "not a folder");
    }

    @Test
    void missingWeightsFile() throws IOException {
        assertMentions(loadFails(folder()), "model.safetensors", "not found");
    }

    @Test
    void missingConfig() throws IOException {
        Path dir = folder();
        Files.delete(dir.resolve("config.json"));
        assertMentions(loadFails(dir), "config.json", "not found");
    }

    @Test
    void malformedConfig() throws IOException {
        Path dir = folder();
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), "{\"n_layer\": 3, ");
        assertMentions(loadFails(dir), "config.json", "malformed JSON");
    }

    @Test
    void truncatedFile() throws IOException {
        Path dir = folder();
        byte[] full = Files.readAllBytes(Fixture.dir().resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(full, full.length / 2));
        assertMentions(loadFails(dir), "model.safetensors", "run past the end");
    }

    @Test
    void fileShorterThanHeaderLength() throws IOException {
        Path dir = folder();
        Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
        assertMentions(loadFails(dir), "model.safetensors", "truncated");
    }

    @Test
    void headerLengthLargerThanFile() throws IOException {
        Path dir = folder();
        writeRaw(dir.resolve("model.safetensors"), 1_000_000, "{}", 0);
        assertMentions(loadFails(dir), "model.safetensors", "header", "past the end");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path dir = folder();
        writeRaw(dir.resolve("model.safetensors"), -5, "{}", 0);
        assertMentions(loadFails(dir), "model.safetensors", "not a safetensors file");
    }

    @Test
    void malformedHeaderJson() throws IOException {
        Path dir = folder();
        String json = "{\"wte.weight\": {\"dtype\": ";
        writeRaw(dir.resolve("model.safetensors"), json.length(), json, 0);
        assertMentions(loadFails(dir), "model.safetensors", "malformed");
    }

    @Test
    void offsetsPastTheEnd() throws IOException {
        Path dir = folder();
        String json = "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}";
        writeRaw(dir.resolve("model.safetensors"), json.length(), json, 8);
        assertMentions(loadFails(dir), "model.safetensors", "wte.weight", "past the end");
    }

    @Test
    void missingKey() throws IOException {
        Path dir = folder();
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) ->
                info.name().equals("h.1.mlp.c_fc.bias") ? null : CheckpointFiles.Rewritten.same(info, data));
        assertMentions(loadFails(dir), "model.safetensors", "missing tensor 'h.1.mlp.c_fc.bias'");
    }

    @Test
    void wrongShape() throws IOException {
        Path dir = folder();
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) -> info.name().equals("wpe.weight")
                ? new CheckpointFiles.Rewritten(info.name(), "F32", new long[] {32, 32}, Arrays.copyOf(data, 32 * 32 * 4))
                : CheckpointFiles.Rewritten.same(info, data));
        assertMentions(loadFails(dir), "model.safetensors", "wpe.weight", "(32, 32)", "(64, 32)");
    }

    @Test
    void unsupportedDtype() throws IOException {
        Path dir = folder();
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) -> info.name().equals("ln_f.bias")
                ? new CheckpointFiles.Rewritten(info.name(), "I32", info.shape(), data)
                : CheckpointFiles.Rewritten.same(info, data));
        assertMentions(loadFails(dir), "model.safetensors", "ln_f.bias", "unsupported dtype I32");
    }

    @Test
    void configThatContradictsTheWeights() throws IOException {
        Path dir = folder();
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(dir.resolve("config.json")).replace("\"n_layer\": 3", "\"n_layer\": 2");
        Files.writeString(dir.resolve("config.json"), config);
        assertMentions(loadFails(dir), "h.2.", "n_layer 2");
    }

    @Test
    void tokenizerThatDoesNotMatchTheVocabulary() throws IOException {
        Path dir = folder();
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(dir.resolve("config.json")).replace("\"vocab_size\": 50257", "\"vocab_size\": 1000");
        Files.writeString(dir.resolve("config.json"), config);
        assertMentions(loadFails(dir), "tokenizer", "50257", "1000");
    }

    @Test
    void prefixedKeysWithLmHeadLoadToTheSameLogits() throws IOException {
        Path dir = folder();
        Safetensors original = Safetensors.open(Fixture.dir().resolve("model.safetensors"));
        SafetensorsWriter writer = new SafetensorsWriter();
        for (Safetensors.TensorInfo info : original.tensors().values()) {
            writer.add("transformer." + info.name(), info.dtype(), info.shape(), CheckpointFiles.bytes(original, info));
        }
        // GPT2LMHeadModel checkpoints also carry the tied unembedding as lm_head.weight.
        Safetensors.TensorInfo wte = original.tensors().get("wte.weight");
        writer.add("lm_head.weight", "F32", wte.shape(), CheckpointFiles.bytes(original, wte));
        writer.write(dir.resolve("model.safetensors"));
        var keys = Safetensors.open(dir.resolve("model.safetensors")).tensors().keySet();
        assertTrue(keys.contains("lm_head.weight") && keys.contains("transformer.h.0.attn.bias"), keys.toString());

        long[] ids = Fixture.tokenIds();
        try (Gpt2 plain = Gpt2.load(Fixture.dir()); Gpt2 prefixed = Gpt2.load(dir);
                NDManager m = NDManager.newBaseManager()) {
            NDArray a = plain.forward(ids, m);
            NDArray b = prefixed.forward(ids, m);
            assertArrayEqualsExactly(a.toFloatArray(), b.toFloatArray());
        }
    }

    @Test
    void halfPrecisionWeightsLoadAsFloat32() throws IOException {
        Path dir = folder();
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) -> {
            ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocate(data.length / 2).order(ByteOrder.LITTLE_ENDIAN);
            while (in.hasRemaining()) {
                out.putShort(SafetensorsWriter.toHalf(in.getFloat()));
            }
            return new CheckpointFiles.Rewritten(info.name(), "F16", info.shape(), out.array());
        });
        try (Gpt2 half = Gpt2.load(dir); Gpt2 full = Gpt2.load(Fixture.dir()); NDManager m = NDManager.newBaseManager()) {
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, half.dtype());
            float[] a = full.forward(Fixture.tokenIds(), m).toFloatArray();
            float[] b = half.forward(Fixture.tokenIds(), m).toFloatArray();
            double maxDiff = 0;
            double scale = 0;
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(a[i]));
            }
            assertTrue(maxDiff > 0, "F16 rounding changes something");
            assertTrue(maxDiff < 0.05 * scale, "F16 weights give close logits: " + maxDiff + " at scale " + scale);
        }
    }

    private static void assertArrayEqualsExactly(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 0f, "element " + i);
        }
    }
}
