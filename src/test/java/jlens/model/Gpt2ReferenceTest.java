package jlens.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The forward pass against reference.json, computed by an independent float64 implementation. On a GPU machine,
 * {@code -Djlens.test.device=gpu} (and {@code -Djlens.test.dtype=f16|bf16}) runs the same checks there; half
 * precision is compared with {@code -Djlens.test.tolerance=...} widened accordingly.
 */
class Gpt2ReferenceTest {
    private static final double TOLERANCE = Double.parseDouble(System.getProperty("jlens.test.tolerance", "1e-4"));
    private static final double WIDEN = TOLERANCE / 1e-4; // how much looser than on the CPU in f32
    private static Gpt2 model;
    private static JsonObject ref;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir(), Gpt2.LoadOptions.parse(
                System.getProperty("jlens.test.device", "cpu"), System.getProperty("jlens.test.dtype", "f32")));
        ref = Fixture.reference();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void configMatchesReference() {
        JsonObject c = ref.getAsJsonObject("config");
        Gpt2Config config = model.config();
        assertEquals(c.get("n_layer").getAsInt(), config.nLayer());
        assertEquals(c.get("n_head").getAsInt(), config.nHead());
        assertEquals(c.get("n_embd").getAsInt(), config.nEmbd());
        assertEquals(c.get("d_head").getAsInt(), config.dHead());
        assertEquals(c.get("n_positions").getAsInt(), config.nPositions());
        assertEquals(c.get("vocab_size").getAsInt(), config.vocabSize());
    }

    @Test
    void tokenIdsMatch() {
        assertArrayEquals(Fixture.tokenIds(), model.tokenizer().encode(Fixture.text()));
    }

    @Test
    void logitsOfLastTwoPositionsMatch() {
        double[][] expected = Fixture.matrix(ref.get("logits_last2"));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = model.forward(Fixture.tokenIds(), m); // [1, T, V]
            long t = logits.getShape().get(1);
            for (int i = 0; i < 2; i++) {
                float[] actual = logits.get(new NDIndex("0, {}, :", t - 2 + i)).toFloatArray();
                double scale = Fixture.maxAbs(expected[i]);
                double err = Fixture.maxAbsDiff(expected[i], actual);
                assertTrue(err < TOLERANCE * scale, "position " + (i - 2) + ": max abs error " + err + " at scale " + scale);
            }
            double[] argmax = Fixture.vector(ref.get("argmax_per_pos"));
            long[] actualArgmax = logits.get(0).argMax(1).toLongArray();
            for (int p = 0; p < argmax.length; p++) {
                assertEquals((long) argmax[p], actualArgmax[p], "argmax at position " + p);
            }
        }
    }

    @Test
    void cAttnOutputOfEveryLayerMatches() {
        List<String> names = new ArrayList<>();
        for (int l = 0; l < model.config().nLayer(); l++) {
            names.add(HookPoint.block(l, HookPoint.QKV));
        }
        try (Gpt2.Run run = model.run(Fixture.tokenIds(), names)) {
            for (int l = 0; l < model.config().nLayer(); l++) {
                double[] expected = Fixture.flatten(Fixture.matrix(ref.getAsJsonObject("c_attn_out").get(String.valueOf(l))));
                NDArray qkv = run.cache().get("qkv" + l); // [1, T, 3C]
                double err = Fixture.maxAbsDiff(expected, qkv.toFloatArray());
                assertTrue(err < TOLERANCE * Fixture.maxAbs(expected), "layer " + l + " c_attn max abs error " + err);
            }
        }
    }

    @Test
    void attentionPatternOfNamedLayerMatches() {
        int layer = ref.get("pattern_layer").getAsInt();
        double[] expected = Fixture.flatten(ref.getAsJsonArray("attn_pattern").asList().stream()
                .map(Fixture::matrix).map(Fixture::flatten).toArray(double[][]::new));
        try (Gpt2.Run run = model.run(Fixture.tokenIds(), List.of("pattern " + layer))) {
            double err = Fixture.maxAbsDiff(expected, run.cache().get(HookPoint.block(layer, HookPoint.PATTERN)).toFloatArray());
            assertTrue(err < 1e-5 * WIDEN, "pattern max abs error " + err);
        }
    }

    @Test
    void cleanAndHeadAblatedLogProbabilitiesMatch() {
        long[] ids = Fixture.tokenIds();
        int t = ids.length;
        long target = ref.get("target_token").getAsLong();
        assertEquals(ids[t - 1], target);
        JsonObject ablation = ref.getAsJsonObject("ablation");
        int head = ablation.get("head").getAsInt();
        int token = ablation.get("token").getAsInt();
        double[] expected = Fixture.vector(ablation.get("logprob_target_per_layer"));

        double clean = logProbOfTarget(ids, target);
        assertEquals(ref.get("clean_logprob_target_at_pos_minus2").getAsDouble(), clean, 1e-3 * WIDEN);

        for (int l = 0; l < model.config().nLayer(); l++) {
            int position = t + token;
            try (Hooks.Scope scope = model.hooks().scope()) {
                scope.add(HookPoint.block(l, HookPoint.Z), (name, z) -> {
                    NDArray copy = z.duplicate(); // [B, T, NH, HS]
                    copy.set(new NDIndex(":, {}, {}, :", position, head), 0f);
                    return copy;
                });
                assertEquals(expected[l], logProbOfTarget(ids, target), 1e-3 * WIDEN, "layer " + l);
            }
        }
        assertTrue(model.hooks().isEmpty(), "hooks removed with their scope");
        assertEquals(clean, logProbOfTarget(ids, target), 0.0, "clean again after ablations");
    }

    private static double logProbOfTarget(long[] ids, long target) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = model.forward(ids, m);
            NDArray row = logits.get(new NDIndex("0, {}, :", ids.length - 2))
                    .toType(ai.djl.ndarray.types.DataType.FLOAT32, false).logSoftmax(0);
            return row.getFloat(target);
        }
    }
}
