package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
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
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import jlens.SaeFixtures;
import jlens.model.CheckpointFiles;
import jlens.model.Safetensors;
import jlens.model.SafetensorsWriter;
import jlens.sae.Sae;
import jlens.sae.SaeLoadException;
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
 * A fuzzer over SAE folders, as {@link ModelFolderFuzzTest} is over model folders: the fixture's three SAELens folders
 * (both layouts, three architectures), their {@code cfg.json} with fields changed to hostile text ({@link HostileText}),
 * wrong types, huge or negative numbers, removed or duplicated, or its text broken; their weights with tensors dropped,
 * added, reshaped, retyped, filled with NaN, or the file cut short or bit-flipped. Every folder must meet
 * {@link UntrustedFileContract}: it loads (and then encodes a row) or is refused in one {@link SaeLoadException} line
 * naming the file, with no raw control or format character; and reading stops at an interrupt. Fixed seed, counted.
 */
class SaeFolderFuzzTest {
    static final int TRIES = 150;
    static Path root;
    static final AtomicInteger folders = new AtomicInteger();
    static final AtomicInteger loaded = new AtomicInteger();
    static final AtomicInteger refused = new AtomicInteger();

    @BeforeContainer
    static void make() throws IOException {
        root = Files.createTempDirectory("jlens-sae-fuzz");
    }

    @AfterContainer
    static void report() throws IOException {
        System.out.println("[SaeFolderFuzzTest] " + folders.get() + " folders: " + loaded.get() + " loaded, " + refused.get()
                + " refused in one line");
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertEquals(TRIES, folders.get());
        assertTrue(loaded.get() > 0 && refused.get() > TRIES / 3, "both outcomes occur: " + loaded + " loaded, " + refused);
    }

    enum ConfigChange { NONE, HOSTILE_STRING, WRONG_TYPE, NUMBER, REMOVE, DUPLICATE, TEXT }

    enum WeightsChange { NONE, DROP, EXTRA, RESHAPE, DTYPE, NAN, TRUNCATE, BITS }

    record Recipe(String base, ConfigChange config, WeightsChange weights, String hostile, long seed) {}

    static final List<String> FIELDS = List.of("d_in", "d_sae", "architecture", "hook_point", "hook_name", "activation_fn_str",
            "apply_b_dec_to_input", "normalize_activations", "reshape_activations", "k", "hook_point_head_index",
            "metadata", "model_name", "prepend_bos", "sae_lens_version", "context_size", "norm_scaling_factor");

    @Provide
    Arbitrary<Recipe> folders() {
        return Combinators.combine(Arbitraries.of(SaeFixtures.NAMES), Arbitraries.of(ConfigChange.class),
                Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, Arbitraries.just(WeightsChange.NONE)),
                        net.jqwik.api.Tuple.of(4, Arbitraries.of(WeightsChange.class))),
                HostileText.text(), Arbitraries.longs()).as(Recipe::new);
    }

    @Property(tries = TRIES, seed = "20261207", shrinking = ShrinkingMode.OFF)
    void everySaeFolderLoadsOrIsRefusedInOneLine(@ForAll("folders") Recipe recipe) throws IOException {
        Random r = new Random(recipe.seed());
        Path dir = Files.createDirectory(root.resolve("f" + folders.incrementAndGet()));
        Path base = SaeFixtures.dir(recipe.base());
        Files.write(dir.resolve("cfg.json"), config(Files.readString(base.resolve("cfg.json")), recipe, r));
        Files.write(dir.resolve("sae_weights.safetensors"), weights(base.resolve("sae_weights.safetensors"), recipe.weights(), r));
        Optional<Sae> sae = UntrustedFileContract.read(dir, d -> Sae.load(d, "fuzz", Device.cpu(), Double.NaN),
                SaeLoadException.class);
        if (sae.isPresent()) {
            try (Sae s = sae.get(); ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
                s.encode(m.ones(new ai.djl.ndarray.types.Shape(2, s.dIn()))); // it runs
            }
            loaded.incrementAndGet();
            UntrustedFileContract.stopsWhenInterrupted(dir, d -> Sae.load(d, "fuzz", Device.cpu(), Double.NaN));
        } else {
            refused.incrementAndGet();
        }
    }

    static byte[] config(String text, Recipe recipe, Random r) {
        JsonObject o = JsonParser.parseString(text).getAsJsonObject();
        JsonObject target = o.has("metadata") && r.nextBoolean() ? o.getAsJsonObject("metadata") : o;
        String field = FIELDS.get(r.nextInt(FIELDS.size()));
        String out;
        switch (recipe.config()) {
            case HOSTILE_STRING -> {
                target.remove(field);
                out = insert(o.toString(), target == o ? null : "metadata", HostileText.json(field) + ": "
                        + HostileText.json(recipe.hostile()));
            }
            case WRONG_TYPE -> {
                target.add(field, JsonParser.parseString(List.of("[1, 2]", "{}", "true", "null", "\"32\"", "1.5").get(r.nextInt(6))));
                out = o.toString();
            }
            case NUMBER -> {
                target.add(field, JsonParser.parseString(List.of("0", "-1", "99999999999", "2147483647", "65537", "1e308", "16777217")
                        .get(r.nextInt(7))));
                out = o.toString();
            }
            case REMOVE -> {
                target.remove(List.of("d_in", "d_sae", "architecture", "hook_point", "hook_name", "metadata").get(r.nextInt(6)));
                out = o.toString();
            }
            case DUPLICATE -> out = "{\"d_in\": 32, " + o.toString().substring(1);
            case TEXT -> {
                String s = o.toString();
                out = switch (r.nextInt(4)) {
                    case 0 -> "/* c */" + s;
                    case 1 -> s.substring(0, r.nextInt(s.length()));
                    case 2 -> s + "trailing";
                    default -> s.replace("\"", "'");
                };
            }
            default -> out = o.toString();
        }
        byte[] bytes = out.getBytes(StandardCharsets.UTF_8);
        if (recipe.config() == ConfigChange.TEXT && r.nextInt(4) == 0 && bytes.length > 0) {
            bytes[r.nextInt(bytes.length)] = (byte) 0xff; // not UTF-8
        }
        return bytes;
    }

    /** {@code json} with one more {@code "key": value} pair, at the top or inside {@code metadata} (as text: keeps hostile keys). */
    private static String insert(String json, String inside, String pair) {
        if (inside != null) {
            int at = json.indexOf("\"" + inside + "\":{");
            if (at >= 0) {
                int brace = json.indexOf('{', at);
                return json.substring(0, brace + 1) + pair + (json.charAt(brace + 1) == '}' ? "" : ",") + json.substring(brace + 1);
            }
        }
        return "{" + pair + (json.equals("{}") ? "" : ",") + json.substring(1);
    }

    static byte[] weights(Path file, WeightsChange change, Random r) throws IOException {
        Safetensors st = Safetensors.open(file);
        List<String> names = new ArrayList<>(st.tensors().keySet());
        SafetensorsWriter w = new SafetensorsWriter();
        String victim = names.get(r.nextInt(names.size()));
        for (Map.Entry<String, Safetensors.TensorInfo> e : st.tensors().entrySet()) {
            Safetensors.TensorInfo t = e.getValue();
            byte[] data = CheckpointFiles.bytes(st, t);
            String name = e.getKey();
            long[] shape = t.shape().clone();
            String dtype = t.dtype();
            if (name.equals(victim)) {
                switch (change) {
                    case DROP -> {
                        continue;
                    }
                    case RESHAPE -> {
                        shape = shape.length == 2 ? new long[] {shape[1], shape[0]} : new long[] {1, shape[0]};
                    }
                    case DTYPE -> {
                        dtype = "I32";
                    }
                    case NAN -> {
                        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                        b.putFloat(4 * r.nextInt(data.length / 4), Float.NaN);
                    }
                    default -> { }
                }
            }
            w.add(name, dtype, shape, data);
        }
        if (change == WeightsChange.EXTRA) {
            w.addF32(HostileText.PIECES.get(r.nextInt(HostileText.PIECES.size())) + "x", new long[] {2}, new float[] {1, 2});
        }
        byte[] bytes = w.toBytes();
        if (change == WeightsChange.TRUNCATE) {
            bytes = java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length));
        } else if (change == WeightsChange.BITS) {
            for (int i = 0; i < 4; i++) {
                int at = r.nextInt(Math.min(bytes.length, 400));
                bytes[at] ^= (byte) (1 << r.nextInt(8));
            }
        }
        return bytes;
    }

}
