package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import jlens.Fixture;
import jlens.model.CheckpointFiles;
import jlens.model.Gpt2;
import jlens.model.ModelLoadException;
import jlens.model.Safetensors;
import jlens.model.SafetensorsWriter;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A fuzzer over whole model folders: the safetensors header, config.json and tokenizer.json of a small GPT-2 (the
 * fixture's weights with a 300-token vocabulary and a byte-level tokenizer, so a folder loads in milliseconds),
 * each left alone or broken in one of many ways, structural (types, signs, fractions, huge values, duplicate and
 * missing keys, aliased offsets, control characters in tokens) and textual (comments, quotes, truncation, bit
 * flips). Every folder must either load and run a forward pass, or fail with {@link ModelLoadException} in one
 * line. Any other exception fails the property; a JVM crash fails the build. The seed is fixed so CI repeats the
 * same inputs; {@link #TRIES} of them, counted and printed.
 */
class ModelFolderFuzzTest {
    static final int TRIES = 150;
    static final String SEED = "20261202";
    static final int VOCAB = 300;

    static Path root;
    static byte[] weights;
    static String config;
    static String tokenizer;
    static final AtomicInteger ran = new AtomicInteger();
    static final AtomicInteger refused = new AtomicInteger();
    static final AtomicInteger folders = new AtomicInteger();
    static final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();

    @BeforeContainer
    static void base() throws IOException {
        root = Files.createTempDirectory("jlens-fuzz");
        // the fixture's weights with wte cut to VOCAB rows: same architecture, a file of a few hundred KB
        Safetensors st = Safetensors.open(Fixture.dir().resolve("model.safetensors"));
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, Safetensors.TensorInfo> e : st.tensors().entrySet()) {
            Safetensors.TensorInfo t = e.getValue();
            byte[] data = CheckpointFiles.bytes(st, t);
            long[] shape = t.shape().clone();
            if (e.getKey().endsWith("wte.weight")) {
                shape[0] = VOCAB;
                data = java.util.Arrays.copyOf(data, (int) (VOCAB * shape[1] * 4));
            }
            w.add(e.getKey(), t.dtype(), shape, data);
        }
        weights = w.toBytes();
        JsonObject c = JsonParser.parseString(Files.readString(Fixture.dir().resolve("config.json"))).getAsJsonObject();
        c.addProperty("vocab_size", VOCAB);
        config = c.toString();
        // GPT-2's tokenizer with only its 256 byte tokens and <|endoftext|>, no merges: loads in milliseconds
        JsonObject t = JsonParser.parseString(Files.readString(Fixture.dir().resolve("tokenizer.json"))).getAsJsonObject();
        JsonObject model = t.getAsJsonObject("model");
        JsonObject vocab = new JsonObject();
        model.getAsJsonObject("vocab").entrySet().stream()
                .filter(v -> v.getValue().getAsInt() < 256)
                .forEach(v -> vocab.add(v.getKey(), v.getValue()));
        vocab.addProperty("<|endoftext|>", 256);
        model.add("vocab", vocab);
        model.add("merges", new JsonArray());
        t.getAsJsonArray("added_tokens").get(0).getAsJsonObject().addProperty("id", 256);
        tokenizer = t.toString();
    }

    @AfterContainer
    static void report() throws IOException {
        System.out.println("model-folder fuzzer: " + folders.get() + " folders, " + ran.get() + " loaded and ran a pass, "
                + refused.get() + " refused in one line, in " + nanos.get() / 1_000_000 + " ms");
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertEquals(TRIES, folders.get(), "every generated folder was tried");
        assertTrue(ran.get() > 0 && refused.get() > TRIES / 2, "both outcomes occur: " + ran + " ran, " + refused + " refused");
    }

    /** What to do to each of the three files, and the seed for the details. */
    record Recipe(HeaderChange header, ConfigChange config, TokenizerChange tokenizer, long seed) {}

    enum HeaderChange { NONE, FIELD_VALUE, DUPLICATE_KEY, REMOVE_FIELD, ALIAS, SHIFT_OFFSETS, DTYPE, METADATA, TEXT, BITS,
        TRUNCATE_FILE, APPEND_BYTES, FORGE_LENGTH }

    enum ConfigChange { NONE, FIELD_VALUE, REMOVE_FIELD, DUPLICATE_FIELD, TEXT }

    enum TokenizerChange { NONE, CONTROL_CHARACTERS, ID_VALUE, REMOVE_FIELD, FIELD_TYPE, TEXT }

    @Provide
    Arbitrary<Recipe> folders() {
        return Combinators.combine(
                        Arbitraries.of(HeaderChange.class),
                        Arbitraries.of(ConfigChange.class),
                        // tokenizer changes are rarer: most of a tokenizer's breakage is the library's to refuse
                        Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.just(TokenizerChange.NONE)),
                                net.jqwik.api.Tuple.of(4, Arbitraries.of(TokenizerChange.class))),
                        Arbitraries.longs())
                .as(Recipe::new);
    }

    @Property(tries = TRIES, seed = SEED, shrinking = ShrinkingMode.OFF)
    void everyFolderLoadsAndRunsOrIsRefusedInOneLine(@ForAll("folders") Recipe recipe) throws IOException {
        long start = System.nanoTime();
        Random r = new Random(recipe.seed());
        Path dir = Files.createDirectory(root.resolve("f" + folders.incrementAndGet()));
        Files.write(dir.resolve("model.safetensors"), header(recipe.header(), r));
        Files.writeString(dir.resolve("config.json"), configText(recipe.config(), r));
        Files.write(dir.resolve("tokenizer.json"), tokenizerText(recipe.tokenizer(), r));
        try (Gpt2 model = Gpt2.load(dir); NDManager m = NDManager.newBaseManager()) {
            long[] ids = model.tokenizer().encode("hi there");
            NDArray logits = model.forward(ids, m);
            assertEquals(ids.length, logits.getShape().get(1));
            ran.incrementAndGet();
        } catch (ModelLoadException e) {
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            assertTrue(e.getMessage().length() < 1000, "a short line: " + e.getMessage().length() + " characters");
            refused.incrementAndGet();
        } catch (RuntimeException | Error e) {
            fail(recipe + " gave " + e, e);
        } finally {
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(p -> p.toFile().delete());
            }
            Files.delete(dir);
            nanos.addAndGet(System.nanoTime() - start);
        }
    }

    // ---- the safetensors file

    static final String[] HOSTILE_NUMBERS = {"-1", "1.5", "1e3", "\"8\"", "18446744073709551616", "9223372036854775807",
            "4294967296", "null", "true", "[]", "{}", "0", "-0", "1E400", "NaN"};

    private static byte[] header(HeaderChange change, Random r) {
        int n = (int) ByteBuffer.wrap(weights, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = new String(weights, 8, n, StandardCharsets.UTF_8).trim();
        byte[] data = java.util.Arrays.copyOfRange(weights, 8 + n, weights.length);
        switch (change) {
            case NONE -> { }
            case FIELD_VALUE -> json = replaceNth(json, "\\[[0-9,]*\\]|[0-9]+", pick(HOSTILE_NUMBERS, r), r);
            case DUPLICATE_KEY -> {
                JsonObject o = JsonParser.parseString(json).getAsJsonObject();
                String key = pick(o.keySet().toArray(String[]::new), r);
                json = "{\"" + key + "\":" + o.get(key) + "," + json.substring(1);
            }
            case REMOVE_FIELD -> {
                JsonObject o = JsonParser.parseString(json).getAsJsonObject();
                JsonObject t = o.getAsJsonObject(pick(o.keySet().stream().filter(k -> !k.startsWith("__")).toArray(String[]::new), r));
                t.remove(pick(new String[] {"dtype", "shape", "data_offsets"}, r));
                json = o.toString();
            }
            case ALIAS -> {
                // one tensor's offsets set to another's (same size: aliasing; other size: overlap or gap)
                JsonObject o = JsonParser.parseString(json).getAsJsonObject();
                String[] keys = o.keySet().stream().filter(k -> !k.startsWith("__")).toArray(String[]::new);
                o.getAsJsonObject(pick(keys, r)).add("data_offsets", o.getAsJsonObject(pick(keys, r)).get("data_offsets"));
                json = o.toString();
            }
            case SHIFT_OFFSETS -> {
                JsonObject o = JsonParser.parseString(json).getAsJsonObject();
                String[] keys = o.keySet().stream().filter(k -> !k.startsWith("__")).toArray(String[]::new);
                JsonArray off = o.getAsJsonObject(pick(keys, r)).getAsJsonArray("data_offsets");
                int i = r.nextInt(2);
                off.set(i, new com.google.gson.JsonPrimitive(Math.max(0, off.get(i).getAsLong() + r.nextInt(17) - 8)));
                json = o.toString();
            }
            case DTYPE -> json = replaceNth(json, "\"F32\"", pick(new String[] {"\"BF16\"", "\"F16\"", "\"I32\"", "\"F64\"",
                    "\"U8\"", "\"F8_E4M3\"", "\"f32\"", "\"\"", "32", "null"}, r), r);
            case METADATA -> json = "{\"__metadata__\":" + pick(new String[] {"{\"a\":1}", "[]", "\"pt\"", "{\"a\":{}}",
                    "{\"a\":\"b\",\"a\":\"c\"}", "{\"\\u001b]0;x\\u0007\":\"\\u001b[2J\"}"}, r) + "," + json.substring(1);
            case TEXT -> json = pick(new String[] {json + "/* */", json.replaceFirst("\"", "'").replaceFirst("\"", "'"),
                    "// c\n" + json, json + "x", json + json, json.substring(0, r.nextInt(json.length())),
                    json.replaceFirst(":", ":\u0001")}, r);
            case BITS, TRUNCATE_FILE, APPEND_BYTES, FORGE_LENGTH -> { }
        }
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        byte[] file = b.array();
        return switch (change) {
            case BITS -> {
                for (int i = 1 + r.nextInt(4); i > 0; i--) {
                    file[r.nextInt(8 + header.length)] ^= (byte) (1 << r.nextInt(8));
                }
                yield file;
            }
            case TRUNCATE_FILE -> java.util.Arrays.copyOf(file, r.nextInt(file.length));
            case APPEND_BYTES -> java.util.Arrays.copyOf(file, file.length + 1 + r.nextInt(64));
            case FORGE_LENGTH -> {
                long forged = switch (r.nextInt(3)) {
                    case 0 -> r.nextLong();
                    case 1 -> header.length + r.nextInt(33) - 16;
                    default -> 1L << r.nextInt(63);
                };
                ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(forged);
                yield file;
            }
            default -> file;
        };
    }

    // ---- config.json

    static final String[] FIELDS = {"n_layer", "n_head", "n_embd", "n_positions", "n_ctx", "vocab_size",
            "layer_norm_epsilon", "activation_function"};
    static final String[] HOSTILE_VALUES = {"-1", "0", "1", "2", "3", "4", "8", "64", "65", "300", "50257", "2147483647",
            "2147483648", "99999999999999999999", "1.5", "3.0", "1e-5", "1e999", "-1e-5", "\"3\"", "\"NaN\"",
            "\"gelu\"", "\"gelu_new\"", "null", "true", "{}", "[3]", "\"\\u001b[2J\""};

    private static String configText(ConfigChange change, Random r) {
        String field = pick(FIELDS, r);
        String value = pick(HOSTILE_VALUES, r);
        return switch (change) {
            case NONE -> config;
            case FIELD_VALUE -> {
                JsonObject o = JsonParser.parseString(config).getAsJsonObject();
                o.remove(field);
                yield "{\"" + field + "\":" + value + "," + o.toString().substring(1);
            }
            case REMOVE_FIELD -> {
                JsonObject o = JsonParser.parseString(config).getAsJsonObject();
                o.remove(field);
                yield o.toString();
            }
            case DUPLICATE_FIELD -> "{\"" + field + "\":" + value + "," + config.substring(1);
            case TEXT -> pick(new String[] {config + "}", "/*x*/" + config, config.replace("\"n_head\"", "'n_head'"),
                    config.substring(0, r.nextInt(config.length())), "[" + config + "]", "", "\uFEFF" + config,
                    config.replace(",", ",,")}, r);
        };
    }

    // ---- tokenizer.json

    private static byte[] tokenizerText(TokenizerChange change, Random r) {
        String text = switch (change) {
            case NONE -> tokenizer;
            case CONTROL_CHARACTERS -> {
                // a token whose string would take over a terminal if printed raw
                JsonObject t = JsonParser.parseString(tokenizer).getAsJsonObject();
                JsonObject vocab = t.getAsJsonObject("model").getAsJsonObject("vocab");
                vocab.addProperty(pick(new String[] {"\u001b]52;c;aGk=\u0007", "\u001b[2J", "\u009b31m", "\u202e", "\r\n"}, r),
                        257 + r.nextInt(VOCAB - 257));
                yield t.toString();
            }
            case ID_VALUE -> {
                JsonObject t = JsonParser.parseString(tokenizer).getAsJsonObject();
                JsonObject vocab = t.getAsJsonObject("model").getAsJsonObject("vocab");
                String key = pick(vocab.keySet().toArray(String[]::new), r);
                yield t.toString().replace("\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\":"
                        + vocab.get(key), "\"" + key + "\":" + pick(new String[] {"-1", "2000000000", "1.5", "\"7\"",
                        "300", "299", "null", "9999999999"}, r));
            }
            case REMOVE_FIELD -> {
                JsonObject t = JsonParser.parseString(tokenizer).getAsJsonObject();
                if (r.nextBoolean()) {
                    t.remove(pick(t.keySet().toArray(String[]::new), r));
                } else {
                    t.getAsJsonObject("model").remove(pick(new String[] {"vocab", "merges", "type"}, r));
                }
                yield t.toString();
            }
            case FIELD_TYPE -> {
                JsonObject t = JsonParser.parseString(tokenizer).getAsJsonObject();
                String key = pick(new String[] {"model", "added_tokens", "pre_tokenizer", "decoder", "version"}, r);
                t.add(key, JsonParser.parseString(pick(new String[] {"null", "1", "[]", "{}", "\"x\""}, r)));
                yield t.toString();
            }
            case TEXT -> pick(new String[] {tokenizer.substring(0, r.nextInt(tokenizer.length())), tokenizer + "]",
                    "{}", "[]", "", "null"}, r);
        };
        return text.getBytes(StandardCharsets.UTF_8);
    }

    // ---- helpers

    private static <T> T pick(T[] options, Random r) {
        return options[r.nextInt(options.length)];
    }

    /** {@code text} with one of the matches of {@code regex}, chosen at random, replaced by {@code with}. */
    private static String replaceNth(String text, String regex, String with, Random r) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return text;
        }
        int[] s = spans.get(r.nextInt(spans.size()));
        return text.substring(0, s[0]) + with + text.substring(s[1]);
    }
}
