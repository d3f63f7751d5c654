package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import jlens.Fixture;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
import jlens.model.Gpt2Weights;
import jlens.model.ModelLoadException;
import jlens.model.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile safetensors files: the fixture's file with its header corrupted in a few hundred seeded ways (bit flips,
 * truncation, a forged length, changed digits in offsets and shapes, junk characters). Loading either works (the
 * change was harmless) or fails with {@link ModelLoadException}; nothing else may escape, and the JVM must not
 * crash (an out-of-bounds native read from a forged offset would).
 */
class FuzzedHeaderTest {
    static final int SEEDS = 300;

    @TempDir
    static Path tmp;

    static byte[] original;
    static int headerEnd; // 8 + header length
    static Gpt2Config config;

    @BeforeAll
    static void read() throws IOException {
        original = Files.readAllBytes(Fixture.dir().resolve("model.safetensors"));
        headerEnd = 8 + (int) ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        config = Gpt2Config.read(Fixture.dir().resolve("config.json"));
    }

    /** The mutations, one per seed in turn. */
    enum Mutation {
        FLIP_BITS, TRUNCATE, FORGE_LENGTH, CHANGE_DIGITS, JUNK_CHARACTERS, SWAP_OFFSETS;

        byte[] apply(byte[] in, Random r) {
            byte[] b = in.clone();
            switch (this) {
                case FLIP_BITS -> {
                    for (int i = 1 + r.nextInt(4); i > 0; i--) {
                        int at = r.nextInt(headerEnd);
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case TRUNCATE -> b = Arrays.copyOf(b, r.nextInt(b.length));
                case FORGE_LENGTH -> {
                    long forged = switch (r.nextInt(4)) {
                        case 0 -> r.nextLong();
                        case 1 -> headerEnd - 8 + r.nextInt(64) - 32;
                        case 2 -> b.length - 8 + r.nextInt(16) - 8;
                        default -> 1L << r.nextInt(63);
                    };
                    ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(forged);
                }
                case CHANGE_DIGITS -> {
                    // Digits are the offsets and shapes: a changed digit keeps the JSON valid and moves a tensor.
                    for (int i = 1 + r.nextInt(3); i > 0; i--) {
                        int at = digitAt(b, r);
                        if (at >= 0) {
                            b[at] = (byte) ('0' + r.nextInt(10));
                        }
                    }
                }
                case JUNK_CHARACTERS -> {
                    String junk = "[]{}\",:-0e9 \u0000\\";
                    for (int i = 1 + r.nextInt(3); i > 0; i--) {
                        b[8 + r.nextInt(headerEnd - 8)] = (byte) junk.charAt(r.nextInt(junk.length()));
                    }
                }
                case SWAP_OFFSETS -> {
                    // A digit grown into a long run: offsets and dimensions far past the file, or overflowing a long.
                    int at = digitAt(b, r);
                    if (at >= 0) {
                        String json = new String(b, 8, headerEnd - 8, StandardCharsets.ISO_8859_1);
                        String grown = json.substring(0, at - 8) + "9".repeat(1 + r.nextInt(25)) + json.substring(at - 8);
                        b = withHeader(grown.getBytes(StandardCharsets.ISO_8859_1), Arrays.copyOfRange(b, headerEnd, b.length));
                    }
                }
            }
            return b;
        }

        private static int digitAt(byte[] b, Random r) {
            for (int tries = 0; tries < 1000; tries++) {
                int at = 8 + r.nextInt(headerEnd - 8);
                if (b[at] >= '0' && b[at] <= '9') {
                    return at;
                }
            }
            return -1;
        }
    }

    static byte[] withHeader(byte[] json, byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return out.putLong(json.length).put(json).put(data).array();
    }

    /** Opens the file, maps every tensor and builds the weights against the fixture's config. */
    static void load(Path file) {
        Safetensors st = Safetensors.open(file);
        try (NDManager m = NDManager.newBaseManager()) {
            for (String name : st.tensors().keySet()) {
                st.load(m, name).toType(DataType.FLOAT32, false).sum().getFloat(); // touch every byte
            }
            Gpt2Weights.load(file, config, m, Device.cpu(), DataType.FLOAT32);
        }
    }

    @Test
    void corruptedHeadersFailOnlyWithModelLoadException() throws IOException {
        Map<String, Integer> outcomes = new TreeMap<>();
        Path file = tmp.resolve("model.safetensors");
        for (int seed = 0; seed < SEEDS; seed++) {
            Mutation mutation = Mutation.values()[seed % Mutation.values().length];
            Files.write(file, mutation.apply(original, new Random(seed)));
            String outcome;
            try {
                load(file);
                outcome = "loaded";
            } catch (ModelLoadException e) {
                assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
                outcome = "refused";
            } catch (Throwable e) {
                fail("seed " + seed + " (" + mutation + "): " + e, e);
                return;
            }
            outcomes.merge(mutation + " " + outcome, 1, Integer::sum);
        }
        System.out.println("[FuzzedHeaderTest] " + SEEDS + " seeds: " + outcomes);
        assertTrue(outcomes.keySet().stream().filter(k -> k.endsWith("refused")).count() >= 5, "most mutations are caught: " + outcomes);
    }

    @Test
    void deepNestingAndHugeHeadersAreRefused() throws IOException {
        Path file = tmp.resolve("model.safetensors");
        byte[] data = Arrays.copyOfRange(original, headerEnd, original.length);
        String[] headers = {
            "[".repeat(200_000), // a recursive JSON parser would overflow its stack here
            "{\"a\":" .repeat(50_000) + "1" + "}".repeat(50_000),
            "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 0]}}",
            "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [9223372036854775807, 9223372036854775807]}}",
            "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [-8, 0]}}",
            "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [1e300, 1]}}",
            "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": [0.5], \"data_offsets\": [0, 4]}}",
            "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": \"big\", \"data_offsets\": [0, 4]}}",
            "{\"wte.weight\": {\"dtype\": 32, \"shape\": [1], \"data_offsets\": [0, 4]}}",
            "{\"wte.weight\": 5}",
            "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"wte.weight\": {}}",
            "null",
        };
        for (String h : headers) {
            Files.write(file, withHeader(h.getBytes(StandardCharsets.UTF_8), data));
            try {
                load(file);
                fail("loaded: " + h.substring(0, Math.min(80, h.length())));
            } catch (ModelLoadException e) {
                assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
            } catch (Throwable e) {
                fail(h.substring(0, Math.min(80, h.length())) + ": " + e, e);
            }
        }
    }

    @Test
    void aFuzzedFileThroughTheWholeLoaderLeavesNoModelHalfMade() throws IOException {
        // Gpt2.load with the tokenizer and config, for a few seeds: the same rule, through the public entry point.
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        Files.copy(Fixture.dir().resolve("config.json"), dir.resolve("config.json"));
        Files.copy(Fixture.dir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        for (int seed = 0; seed < 12; seed++) {
            Mutation mutation = Mutation.values()[seed % Mutation.values().length];
            Files.write(dir.resolve("model.safetensors"), mutation.apply(original, new Random(1000 + seed)));
            try {
                Gpt2.load(dir).close();
            } catch (ModelLoadException e) {
                // refused: fine
            } catch (Throwable e) {
                fail("seed " + (1000 + seed) + " (" + mutation + "): " + e, e);
            }
        }
    }
}
