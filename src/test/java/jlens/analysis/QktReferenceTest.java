package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Demo 2 (QK^T) and the real per-head attention against reference.json. */
class QktReferenceTest {
    private static Gpt2 model;
    private static Gpt2Config config;
    private static Gpt2.Run run;
    private static JsonObject ref;
    private static int patternLayer;

    @BeforeAll
    static void runOnce() {
        model = Gpt2.load(Fixture.dir());
        config = model.config();
        ref = Fixture.reference();
        patternLayer = ref.get("pattern_layer").getAsInt();
        List<String> hooks = new ArrayList<>(CapturedPass.qkvHooks(config.nLayer()));
        hooks.add(HookPoint.block(patternLayer, HookPoint.ATTN_SCORES));
        hooks.add(HookPoint.block(patternLayer, HookPoint.PATTERN));
        run = model.run(Fixture.tokenIds(), hooks);
    }

    @AfterAll
    static void close() {
        run.close();
        model.close();
    }

    @Test
    void fullWidthMatrixOfTheNamedLayerMatches() {
        int layer = ref.get("qkt_layer").getAsInt();
        double[] expected = Fixture.flatten(Fixture.matrix(ref.get("qkt_full_dim_scaled"))); // [T-1, T-1]
        FullWidthQkt.Layer m = FullWidthQkt.layer(run.cache(), config, layer, AnalysisDefaults.FIRST_POSITION);
        assertEquals(Fixture.tokenIds().length - 1, m.size());
        assertEquals(layer, m.layer());
        double err = Fixture.maxAbsDiff(expected, m.scores());
        assertTrue(err < 1e-4 * Fixture.maxAbs(expected), "max abs error " + err);
        for (int row = 0; row < m.size(); row++) {
            double sum = 0;
            for (int col = 0; col < m.size(); col++) {
                sum += m.softmax()[row * m.size() + col];
            }
            assertEquals(1.0, sum, 1e-5, "softmax row " + row);
        }
    }

    @Test
    void meanAndStdPerLayerMatch() {
        double[] mean = Fixture.vector(ref.get("qkt_mean_per_layer"));
        double[] std = Fixture.vector(ref.get("qkt_std_per_layer"));
        FullWidthQkt.AllLayers byLayer = FullWidthQkt.allLayers(run.cache(), config, AnalysisDefaults.FIRST_POSITION, AnalysisDefaults.QKT_BINS);
        for (int l = 0; l < mean.length; l++) {
            // The mean is a small difference of large scores: measure its error against the scores' spread.
            assertEquals(mean[l], byLayer.mean()[l], 1e-4 * std[l], "mean, layer " + l);
            assertEquals(std[l], byLayer.std()[l], 1e-4 * std[l], "std, layer " + l);
        }
        String csv = byLayer.toCsv();
        assertTrue(csv.startsWith("layer,mean,std\n0,"), csv);
        assertEquals(mean.length + 1, csv.lines().count());
    }

    @Test
    void twentyBinHistogramsOfScoresAndSoftmaxMatch() {
        FullWidthQkt.AllLayers byLayer = FullWidthQkt.allLayers(run.cache(), config, 1, 20);
        JsonArray scoreRef = ref.getAsJsonArray("qkt_hist_20");
        JsonArray softmaxRef = ref.getAsJsonArray("softmax_hist_20");
        for (int l = 0; l < config.nLayer(); l++) {
            FullWidthQkt.Layer m = FullWidthQkt.layer(run.cache(), config, l, 1);
            check("QK^T layer " + l, scoreRef.get(l).getAsJsonObject(), byLayer.scoreHistograms().get(l), m.scores());
            check("softmax layer " + l, softmaxRef.get(l).getAsJsonObject(), byLayer.softmaxHistograms().get(l), m.softmax());
        }
    }

    /**
     * Each histogram spans its data's own min..max, which our float32 values reproduce to float error only: the
     * edges are compared to a small fraction of the range, the counts allowing for values that lie within float
     * error of an edge (see {@link DensityAssertions}).
     */
    private static void check(String what, JsonObject refHist, Density ours, float[] values) {
        double[] edges = Fixture.vector(refHist.get("edges"));
        double[] density = Fixture.vector(refHist.get("density"));
        double range = edges[edges.length - 1] - edges[0];
        double scale = Math.max(Math.abs(edges[0]), Math.abs(edges[edges.length - 1]));
        assertArrayEquals(edges, ours.edges(), 1e-5 * scale, what + ": edges");
        DensityAssertions.countsMatch(what, edges, density, ours, values, 1e-5 * scale + 1e-6 * range);
    }

    @Test
    void realPerHeadPatternAndScoresMatch() {
        int t = Fixture.tokenIds().length;
        JsonArray pattern = ref.getAsJsonArray("attn_pattern"); // [NH, T, T]
        for (int h = 0; h < config.nHead(); h++) {
            HeadAttention.Matrix p = HeadAttention.pattern(run.cache(), config, patternLayer, h);
            assertEquals(t, p.tokens());
            double[] expected = Fixture.flatten(Fixture.matrix(pattern.get(h)));
            assertTrue(Fixture.maxAbsDiff(expected, p.values()) < 1e-5, "pattern head " + h);

            HeadAttention.Matrix s = HeadAttention.scores(run.cache(), config, patternLayer, h);
            for (int q = 0; q < t; q++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k <= q; k++) {
                    max = Math.max(max, s.get(q, k));
                }
                double z = 0;
                for (int k = 0; k <= q; k++) {
                    z += Math.exp(s.get(q, k) - max);
                }
                for (int k = 0; k < t; k++) {
                    if (k > q) {
                        assertEquals(Float.NEGATIVE_INFINITY, s.get(q, k), "masked above the diagonal");
                    } else {
                        // softmax of our scores is the reference pattern
                        assertEquals(expected[q * t + k], Math.exp(s.get(q, k) - max) / z, 1e-5);
                    }
                }
            }
        }
        HeadAttention.Matrix s = HeadAttention.scores(run.cache(), config, patternLayer, 0);
        assertTrue(s.toCsv().startsWith("query,key,score\n0,0,"));
        assertTrue(s.toCsv().contains("0,1,-inf\n"));
        JsonObject json = JsonParser.parseString(s.toJson()).getAsJsonObject();
        assertEquals("SCORES", json.get("kind").getAsString());
        assertEquals(Double.NEGATIVE_INFINITY, json.getAsJsonArray("values").get(1).getAsDouble());
    }

    @Test
    void oneLayerFromAModelCapturesOnlyWhatItReads() {
        FullWidthQkt.Layer fromCache = FullWidthQkt.layer(run.cache(), config, 2, 1);
        FullWidthQkt.Layer fromModel = FullWidthQkt.layer(model, Fixture.tokenIds(), -1, 1);
        assertArrayEquals(fromCache.scores(), fromModel.scores(), 1e-6f);
        HeadAttention.Matrix pattern = HeadAttention.of(model, Fixture.tokenIds(), patternLayer, 3, AttentionKind.PATTERN);
        assertArrayEquals(HeadAttention.pattern(run.cache(), config, patternLayer, 3).values(), pattern.values(), 1e-7f);
        QkvSplit split = QkvSplitter.split(model, Fixture.tokenIds(), 0, 1);
        assertArrayEquals(QkvSplitter.split(run.cache(), config, 0, 1).v(), split.v(), 1e-7f);
        assertTrue(model.hooks().isEmpty(), "capture hooks removed");
    }

    @Test
    void analysesLeaveNoArraysInTheCache() {
        NDManager cacheManager = run.cache().manager();
        int before = cacheManager.getManagedArrays().size();
        FullWidthQkt.allLayers(run.cache(), config, 1, 20);
        HeadAttention.pattern(run.cache(), config, patternLayer, 1);
        QkvVariances.compute(run.cache(), config, 1);
        assertEquals(before, cacheManager.getManagedArrays().size());
    }

    @Test
    void badArgumentsSayTheValidRange() {
        IllegalArgumentException head = assertThrows(IllegalArgumentException.class,
                () -> HeadAttention.pattern(run.cache(), config, patternLayer, config.nHead()));
        assertTrue(head.getMessage().contains("0.." + (config.nHead() - 1)), head.getMessage());
        IllegalArgumentException layer = assertThrows(IllegalArgumentException.class,
                () -> FullWidthQkt.layer(run.cache(), config, -4, 1));
        assertTrue(layer.getMessage().contains("-3..-1"), layer.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> HeadAttention.pattern(run.cache(), config, patternLayer + 1, 0));
        assertTrue(missing.getMessage().contains("not captured"), missing.getMessage());
    }
}
