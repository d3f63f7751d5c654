package jlens.store;

import jlens.model.SafetensorsWriter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled demo model: reproducible, in Hugging Face's GPT-2 layout, extracted safely. */
class DemoModelTest {
    @TempDir
    Path tmp;

    static byte[] resource(String name) throws Exception {
        try (InputStream in = DemoModelTest.class.getResourceAsStream("/jlens/demo-model/" + name)) {
            if (in == null) {
                throw new AssertionError("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }

    @Test
    void shippedFilesAreExactlyWhatTheWriterProduces() throws Exception {
        Path out = tmp.resolve("regen");
        DemoModelWriter.write(out, Path.of("src/test/resources/tiny-gpt2"));
        for (String f : List.of("MANIFEST", "config.json", "model.safetensors", "tokenizer.json", "vocab.json",
                "merges.txt", "tokenizer_config.json")) {
            assertArrayEquals(Files.readAllBytes(out.resolve(f)), resource(f), f + " differs: rerun DemoModelWriter");
        }
    }

    @Test
    void weightsHaveTheHuggingFaceGpt2LayoutInF16() throws Exception {
        byte[] file = resource("model.safetensors");
        assertTrue(file.length < 8_000_000, "size " + file.length);
        long headerLen = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
        String header = new String(file, 8, (int) headerLen, StandardCharsets.US_ASCII);
        int c = 64;
        StringBuilder expected = new StringBuilder();
        expected.append("wte.weight[50257,").append(c).append("] wpe.weight[256,").append(c).append("] ");
        for (int l = 0; l < 4; l++) {
            String h = "h." + l + ".";
            expected.append(h).append("ln_1.weight[64] ").append(h).append("ln_1.bias[64] ")
                    .append(h).append("attn.c_attn.weight[64,192] ").append(h).append("attn.c_attn.bias[192] ")
                    .append(h).append("attn.c_proj.weight[64,64] ").append(h).append("attn.c_proj.bias[64] ")
                    .append(h).append("ln_2.weight[64] ").append(h).append("ln_2.bias[64] ")
                    .append(h).append("mlp.c_fc.weight[64,256] ").append(h).append("mlp.c_fc.bias[256] ")
                    .append(h).append("mlp.c_proj.weight[256,64] ").append(h).append("mlp.c_proj.bias[64] ");
        }
        expected.append("ln_f.weight[64] ln_f.bias[64] ");
        Matcher m = Pattern.compile("\"([^\"]+)\":\\{\"dtype\":\"(\\w+)\",\"shape\":\\[([0-9,]*)\\],"
                + "\"data_offsets\":\\[(\\d+),(\\d+)\\]\\}").matcher(header);
        StringBuilder actual = new StringBuilder();
        long next = 0;
        while (m.find()) {
            assertEquals("F16", m.group(2));
            actual.append(m.group(1)).append('[').append(m.group(3)).append("] ");
            long n = 1;
            for (String d : m.group(3).split(",")) {
                n *= Long.parseLong(d);
            }
            assertEquals(next, Long.parseLong(m.group(4)), m.group(1) + " is not contiguous");
            next = Long.parseLong(m.group(5));
            assertEquals(2 * n, next - Long.parseLong(m.group(4)), m.group(1) + " has the wrong byte length");
        }
        assertEquals(expected.toString(), actual.toString());
        assertEquals(file.length, 8 + headerLen + next, "data must end where the file ends");
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"));

        String config = new String(resource("config.json"), StandardCharsets.UTF_8);
        for (String kv : List.of("\"n_layer\": 4", "\"n_head\": 8", "\"n_embd\": 64", "\"n_positions\": 256",
                "\"vocab_size\": 50257", "\"model_type\": \"gpt2\"", "\"activation_function\": \"gelu_new\"")) {
            assertTrue(config.contains(kv), kv);
        }
        // The weights really are random (and finite): not all equal, GPT-2's 0.02 scale.
        ByteBuffer data = ByteBuffer.wrap(file, (int) (8 + headerLen), 2 * 1000).order(ByteOrder.LITTLE_ENDIAN);
        double sum2 = 0;
        for (int i = 0; i < 1000; i++) {
            float v = halfToFloat(data.getShort());
            assertTrue(Float.isFinite(v));
            sum2 += v * v;
        }
        double std = Math.sqrt(sum2 / 1000);
        assertTrue(std > 0.015 && std < 0.025, "std " + std);
    }

    @Test
    void halfConversionRoundsToNearestEven() {
        assertEquals(0x3c00, SafetensorsWriter.toHalf(1f) & 0xffff);
        assertEquals(0xc000, SafetensorsWriter.toHalf(-2f) & 0xffff);
        assertEquals(0x7bff, SafetensorsWriter.toHalf(65504f) & 0xffff);
        assertEquals(0x7c00, SafetensorsWriter.toHalf(70000f) & 0xffff);
        assertEquals(0x0001, SafetensorsWriter.toHalf((float) Math.pow(2, -24)) & 0xffff);
        assertEquals(0x0000, SafetensorsWriter.toHalf((float) Math.pow(2, -26)) & 0xffff);
        assertEquals(0x3c00, SafetensorsWriter.toHalf(1f + (float) Math.pow(2, -11)) & 0xffff, "tie goes to even");
        assertEquals(0x3c02, SafetensorsWriter.toHalf(1f + 3 * (float) Math.pow(2, -11)) & 0xffff, "tie goes to even");
        for (float v : new float[] {0.02f, -0.0137f, 1e-5f, 3.14159f}) {
            assertEquals(v, halfToFloat(SafetensorsWriter.toHalf(v)), Math.abs(v) / 1000 + 1e-7);
        }
    }

    @Test
    void extractionIsVerifiedReusedAndRepairsADamagedCopy() throws Exception {
        ModelStore store = Fixtures.store(Fixtures.env(tmp, null));
        ResolvedModel m = store.bundled(null);
        assertTrue(m.isDemo());
        assertTrue(m.dir().startsWith(tmp.resolve("xdg-cache/jlens")), m.dir().toString());
        assertTrue(m.dir().getFileName().toString().matches("demo-model-[0-9a-f]{12}"));
        assertTrue(ModelFiles.complete(m.dir()));
        assertArrayEquals(resource("model.safetensors"), Files.readAllBytes(m.dir().resolve("model.safetensors")));
        long mtime = Files.getLastModifiedTime(m.dir().resolve("model.safetensors")).toMillis();

        assertEquals(m.dir(), store.bundled(null).dir());
        assertEquals(mtime, Files.getLastModifiedTime(m.dir().resolve("model.safetensors")).toMillis(), "reused");

        Files.write(m.dir().resolve("model.safetensors"), new byte[10]); // a crash or a user mid-copy
        assertEquals(m.dir(), store.bundled(null).dir());
        assertArrayEquals(resource("model.safetensors"), Files.readAllBytes(m.dir().resolve("model.safetensors")));
        assertEquals(List.of(), Files.list(tmp.resolve("xdg-cache/jlens")).map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith(".")).toList(), "no temporary folders left behind");
        assertEquals(m.dir(), store.resolve("demo").dir());
        assertTrue(m.bannerLine().contains("random weights") && m.bannerLine().contains("load gpt2"));
    }

    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = bits >>> 15;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        double v = exp == 0 ? mant * Math.pow(2, -24) : exp == 31 ? (mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        return (float) (sign == 1 ? -v : v);
    }
}
