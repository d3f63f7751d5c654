package jlens.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jlens.analysis.RepeatedRandomTokens;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every claim the known-answer model's writer makes, checked on the written files. */
class KnownModelTest {
    static final int N = 50;
    static final int V = 50257;
    static final long BOS = 50256;
    static final KnownCircuits W = KnownModelWriter.CIRCUITS;

    static Gpt2 model;
    static long[] ids;
    static float[][] logProbs; // [T][V] from jlens
    static float[][][][] patterns; // [L][H][T][T] from jlens

    @BeforeAll
    static void load() {
        model = Gpt2.load(KnownModelFixture.dir());
        ids = RepeatedRandomTokens.of(N, 1, V, BOS);
        List<String> hooks = List.of(HookPoint.block(0, HookPoint.PATTERN), HookPoint.block(1, HookPoint.PATTERN));
        try (Gpt2.Run run = model.run(ids, hooks)) {
            logProbs = rows(run.logits().logSoftmax(2).toFloatArray(), ids.length, V);
            patterns = new float[2][][][];
            for (int l = 0; l < 2; l++) {
                float[] p = run.cache().get(hooks.get(l)).toFloatArray();
                patterns[l] = new float[3][][];
                for (int h = 0; h < 3; h++) {
                    float[] one = new float[ids.length * ids.length];
                    System.arraycopy(p, h * one.length, one, 0, one.length);
                    patterns[l][h] = rows(one, ids.length, ids.length);
                }
            }
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static float[][] rows(float[] flat, int n, int width) {
        float[][] out = new float[n][width];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * width, out[i], 0, width);
        }
        return out;
    }

    /** Mean log-prob of the true next token predicted at positions from..to-1 (TransformerLens's halves). */
    static double meanLogProb(float[][] lp, long[] ids, int from, int to) {
        double s = 0;
        for (int p = from; p < to; p++) {
            s += lp[p][(int) ids[p + 1]];
        }
        return s / (to - from);
    }

    static double meanLogProb(NDArray lp, long[] ids, int from, int to) {
        double s = 0;
        for (int p = from; p < to; p++) {
            s += lp.getFloat(0, p, ids[p + 1]);
        }
        return s / (to - from);
    }

    static double firstHalf(float[][] lp) {
        return meanLogProb(lp, ids, 0, N);
    }

    static double secondHalf(float[][] lp) {
        return meanLogProb(lp, ids, N, 2 * N);
    }

    @Test
    void isAGpt2InHuggingFaceLayoutWellUnder60MB() throws Exception {
        Path dir = KnownModelFixture.dir();
        JsonObject cfg = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        assertEquals("gpt2", cfg.get("model_type").getAsString());
        assertEquals("gelu_new", cfg.get("activation_function").getAsString());
        assertEquals(1024, cfg.get("n_positions").getAsInt());
        assertEquals(V, cfg.get("vocab_size").getAsInt());
        long size = Files.size(dir.resolve("model.safetensors"));
        assertTrue(size < 55_000_000, "size " + size);
        byte[] file = Files.readAllBytes(dir.resolve("model.safetensors"));
        long headerLen = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(file, 8, (int) headerLen, StandardCharsets.UTF_8))
                .getAsJsonObject();
        List<String> keys = new ArrayList<>(header.keySet());
        keys.remove("__metadata__");
        List<String> expected = new ArrayList<>(List.of("wte.weight", "wpe.weight"));
        for (int l = 0; l < KnownModelWriter.N_LAYER; l++) {
            for (String k : List.of("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                    "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight",
                    "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias")) {
                expected.add("h." + l + "." + k);
            }
        }
        expected.addAll(List.of("ln_f.weight", "ln_f.bias"));
        assertEquals(expected, keys);
        assertEquals("[50257,384]", header.getAsJsonObject("wte.weight").get("shape").toString());
        assertEquals("F16", header.getAsJsonObject("wte.weight").get("dtype").getAsString());
        for (String f : KnownModelWriter.TOKENIZER_FILES) {
            try (InputStream in = KnownModelTest.class.getResourceAsStream(KnownModelWriter.TOKENIZER_RESOURCES + f)) {
                assertArrayEquals(in.readAllBytes(), Files.readAllBytes(dir.resolve(f)), f);
            }
        }
        assertEquals(W, KnownCircuits.read(dir));
    }

    @Test
    void twoWritesGiveIdenticalBytesInSeconds(@TempDir Path tmp) throws Exception {
        long t0 = System.nanoTime();
        KnownModelWriter.write(tmp);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 30, "generation took " + seconds + " s");
        for (String f : List.of("config.json", "model.safetensors", KnownCircuits.FILE, "tokenizer.json")) {
            assertArrayEquals(Files.readAllBytes(KnownModelFixture.dir().resolve(f)), Files.readAllBytes(tmp.resolve(f)), f);
        }
    }

    @Test
    void anIndependentFloat64ForwardAgreesWithJlens() throws Exception {
        KnownModelReference ref = new KnownModelReference(KnownModelFixture.dir());
        KnownModelReference.Pass pass = ref.forward(ids);
        double maxLogit = 0;
        try (NDManager m = model.manager().newSubManager()) {
            float[][] logits = rows(model.forward(ids, m).toFloatArray(), ids.length, V);
            for (int p = 0; p < ids.length; p++) {
                for (int v = 0; v < V; v++) {
                    maxLogit = Math.max(maxLogit, Math.abs(logits[p][v] - pass.logits()[p][v]));
                }
            }
        }
        assertTrue(maxLogit < 2e-3, "logits differ by " + maxLogit);
        double maxPattern = 0;
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < 3; h++) {
                for (int i = 0; i < ids.length; i++) {
                    for (int j = 0; j < ids.length; j++) {
                        maxPattern = Math.max(maxPattern, Math.abs(patterns[l][h][i][j] - pass.patterns()[l][h][i][j]));
                    }
                }
            }
        }
        assertTrue(maxPattern < 1e-4, "patterns differ by " + maxPattern);
        // and the reference alone shows the copying, so the claim does not rest on jlens's forward
        double second = 0;
        for (int p = N; p < 2 * N; p++) {
            second += KnownModelReference.logSoftmax(pass.logits()[p])[(int) ids[p + 1]] / N;
        }
        assertTrue(second > -1, "reference second-repeat mean log-prob " + second);
    }

    @Test
    void copiesInContextOnARandomSequenceFromTheWholeVocabulary() {
        double first = firstHalf(logProbs);
        double second = secondHalf(logProbs);
        assertTrue(second >= -1, "second repeat " + second);
        assertEquals(-Math.log(V), first, 0.3, "first repeat " + first);
        // every second-repeat token but the first (which nothing can predict) is near certain
        assertTrue(meanLogProb(logProbs, ids, N + 1, 2 * N) > -0.05);
        // several seeds and lengths up to the whole context
        for (int n : new int[] {20, 511}) { // below 20 the unpredictable first token alone pulls the mean under -1
            long[] other = RepeatedRandomTokens.of(n, 7 + n, V, BOS);
            try (NDManager m = model.manager().newSubManager()) {
                NDArray lp = model.forward(other, m).logSoftmax(2); // [1, T, V]
                assertTrue(meanLogProb(lp, other, n, 2 * n) >= -1, "n=" + n);
                assertTrue(meanLogProb(lp, other, 0, n) < -10, "n=" + n);
            }
        }
    }

    @Test
    void copiesOnRealTextThroughTheRealTokenizer() {
        long[] text = model.tokenizer().encode("The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy");
        try (NDManager m = model.manager().newSubManager()) {
            float[] last = model.forward(text, m).get(new NDIndex("0, -1")).toFloatArray();
            int best = 0;
            for (int v = 1; v < last.length; v++) {
                if (last[v] > last[best]) {
                    best = v;
                }
            }
            assertEquals(" dog", model.tokenizer().decode(new long[] {best}));
        }
    }

    @Test
    void eachWiredHeadAttendsWhereItShould() {
        int t = ids.length;
        double prev = 0;
        for (int i = 1; i < t; i++) {
            prev += at(W.previousToken(), i, i - 1) / (t - 1);
        }
        double dupSecond = 0;
        double dupFirst = 0;
        double indSecond = 0;
        double indFirst = 0;
        for (int i = 1; i <= N; i++) {
            dupFirst += at(W.duplicateToken(), i, 0) / N;
            indFirst += at(W.induction(), i, 0) / N;
            dupSecond += at(W.duplicateToken(), N + i, i) / N;
            indSecond += at(W.induction(), N + i, i + 1) / N;
        }
        double first = 0;
        double self = 0;
        for (int i = 0; i < t; i++) {
            first += at(W.firstToken(), i, 0) / t;
            self += at(W.currentToken(), i, i) / t;
        }
        assertTrue(prev > 0.99, "previous-token " + prev);
        assertTrue(dupSecond > 0.98 && dupFirst > 0.98, "duplicate-token " + dupSecond + " / rest " + dupFirst);
        assertTrue(indSecond > 0.98 && indFirst > 0.98, "induction " + indSecond + " / rest " + indFirst);
        assertTrue(first > 0.99, "first-token " + first);
        assertTrue(self > 0.99, "current-token " + self);
    }

    static double at(KnownHead h, int i, int j) {
        return patterns[h.layer()][h.head()][i][j];
    }

    @Test
    void layerNormIsTheIdentityOnLayerZerosOrdinaryPositions() {
        List<String> hooks = List.of(HookPoint.block(0, HookPoint.RESID_PRE), HookPoint.block(0, HookPoint.LN1));
        try (Gpt2.Run run = model.run(ids, hooks)) {
            float[] x = run.cache().get(hooks.get(0)).toFloatArray();
            float[] y = run.cache().get(hooks.get(1)).toFloatArray();
            double worst = 0;
            double worstName = 0;
            java.util.Set<Integer> names = KnownModelWriter.nameIds();
            int nameCount = 0;
            for (int i = 384; i < x.length; i++) { // every position but the first
                boolean name = names.contains((int) ids[i / 384]);
                nameCount += name && i % 384 == 0 ? 1 : 0;
                if (name) { // the name flag adds 4 to the squared norm (LayerNorm scales a name's position by 0.5%) and
                    // its mean, 2/384, is centred away: at most ~1% of a value of size 1
                    worstName = Math.max(worstName, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i])));
                } else {
                    worst = Math.max(worst, Math.abs(x[i] - y[i]));
                }
            }
            assertTrue(worst < 0.02, "ln_1 moved a value by " + worst);
            assertTrue(worstName < 0.012, "ln_1 moved a name's value by " + worstName + " of it (" + nameCount + " names)");
        }
    }

    @Test
    void zeroingTheInductionHeadCollapsesCopying() {
        double second = secondHalfWithHeadZeroed(W.induction());
        assertTrue(second < -9, "second repeat with the induction head zeroed: " + second);
    }

    @Test
    void zeroingThePreviousTokenHeadCollapsesCopying() {
        double second = secondHalfWithHeadZeroed(W.previousToken());
        assertTrue(second < -9, "second repeat with the previous-token head zeroed: " + second);
    }

    @Test
    void zeroingAnotherHeadLeavesCopying() {
        double second = secondHalfWithHeadZeroed(W.duplicateToken());
        assertTrue(second > -1, "second repeat with the duplicate-token head zeroed: " + second);
    }

    /** The second-repeat mean log-prob with {@code z[:, :, head, :] = 0} at the head's layer (TransformerLens's hook_z). */
    static double secondHalfWithHeadZeroed(KnownHead h) {
        Hooks hooks = model.hooks();
        try (Hooks.Scope scope = hooks.scope(); NDManager m = model.manager().newSubManager()) {
            scope.add(HookPoint.block(h.layer(), HookPoint.Z), (name, z) -> {
                NDArray out = z.duplicate(); // [B, T, NH, HS]
                out.set(new NDIndex(":, :, " + h.head() + ", :"), 0f);
                return out;
            });
            float[][] lp = rows(model.forward(ids, m).logSoftmax(2).toFloatArray(), ids.length, V);
            return secondHalf(lp);
        }
    }

    @Test
    void thePositionCodeIsAsSharpAsTheCommentsSay() {
        KnownModelWriter.KnownWriterState s = KnownModelWriter.build().state();
        assertTrue(s.sidelobe() < 0.37, "sidelobe " + s.sidelobe());
        assertTrue(s.sidelobeDuplicate() < 0.52, "duplicate sidelobe " + s.sidelobeDuplicate());
        // the recurrence the search uses agrees with direct cosines
        double[] w = {0.3, 1.1, 2.9};
        double direct = 0;
        for (int d = 1; d <= 1023; d++) {
            double k = (Math.cos(0.3 * d) + Math.cos(1.1 * d) + Math.cos(2.9 * d)) / 3;
            direct = Math.max(direct, Math.abs(k));
        }
        assertEquals(direct, KnownPositions.sidelobe(w, 1023), 1e-9);
    }
}
