package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Demo 1 (Q, K, V activations) against reference.json, computed outside this project in float64. */
class QkvReferenceTest {
    private static Gpt2 model;
    private static Gpt2Config config;
    private static Gpt2.Run run;
    private static JsonObject ref;

    @BeforeAll
    static void runOnce() {
        model = Gpt2.load(Fixture.dir());
        config = model.config();
        run = model.run(Fixture.tokenIds(), CapturedPass.qkvHooks(config.nLayer()));
        ref = Fixture.reference();
    }

    @AfterAll
    static void close() {
        run.close();
        model.close();
    }

    @Test
    void splitLeavesPositionZeroOutByDefaultAndHasTheNotebookShapes() {
        int t = Fixture.tokenIds().length;
        QkvSplit split = QkvSplitter.split(run.cache(), config, 1, AnalysisDefaults.FIRST_POSITION);
        assertArrayEquals(new int[] {t - 1, config.nEmbd()}, split.shape());
        assertEquals(1, split.firstPosition());
        double[][] cAttn = Fixture.matrix(ref.getAsJsonObject("c_attn_out").get("1")); // [T, 3C]
        int c = config.nEmbd();
        for (int row = 0; row < t - 1; row++) {
            for (int d = 0; d < c; d++) {
                // row 0 of the split is token position 1
                assertEquals(cAttn[row + 1][d], split.get(QkvPart.Q, row, d), 1e-4, "q");
                assertEquals(cAttn[row + 1][c + d], split.get(QkvPart.K, row, d), 1e-4, "k");
                assertEquals(cAttn[row + 1][2 * c + d], split.get(QkvPart.V, row, d), 1e-4, "v");
            }
        }
        QkvSplit withSink = QkvSplitter.split(run.cache(), config, -2, 0);
        assertArrayEquals(new int[] {t, c}, withSink.shape());
        assertEquals(1, withSink.layer(), "-2 is the second last of 3 layers");
        assertEquals(cAttn[0][2 * c + 5], withSink.get(QkvPart.V, 0, 5), 1e-4, "position 0 included");
    }

    @Test
    void headsAreDHeadWideSlicesOfAPart() {
        HeadSplit heads = QkvSplitter.heads(run.cache(), config, 2, QkvPart.K, 1);
        assertEquals(config.nHead(), heads.nHead());
        assertArrayEquals(new int[] {Fixture.tokenIds().length - 1, config.dHead()}, heads.headShape());
        double[][] cAttn = Fixture.matrix(ref.getAsJsonObject("c_attn_out").get("2"));
        int c = config.nEmbd();
        int hs = config.dHead();
        for (int h = 0; h < config.nHead(); h++) {
            for (int row = 0; row < heads.positions(); row++) {
                for (int d = 0; d < hs; d++) {
                    assertEquals(cAttn[row + 1][c + h * hs + d], heads.head(h)[row * hs + d], 1e-4, "head " + h);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> heads.head(config.nHead()));
    }

    @Test
    void variancesPerLayerMatchTheReference() {
        double[][] expected = Fixture.matrix(ref.get("qkv_variance_per_layer")); // [L, 3]
        QkvVariances.ByLayer vars = QkvVariances.compute(run.cache(), config, AnalysisDefaults.FIRST_POSITION);
        assertEquals(expected.length, vars.layers());
        for (int l = 0; l < expected.length; l++) {
            for (QkvPart p : QkvPart.values()) {
                double want = expected[l][p.ordinal()];
                assertEquals(want, vars.part(p)[l], 1e-4 * want, "layer " + l + " " + p);
            }
        }
        String csv = vars.toCsv();
        assertTrue(csv.startsWith("layer,q,k,v\n0,"), csv);
        assertEquals(expected.length + 1, csv.lines().count());
    }

    @Test
    void includingPositionZeroChangesTheVariance() {
        // The sink's row is part of the data when asked for: compare with the reference rows 0..T-1.
        double[][] cAttn = Fixture.matrix(ref.getAsJsonObject("c_attn_out").get("0"));
        int c = config.nEmbd();
        double[] q = new double[cAttn.length * c];
        for (int row = 0; row < cAttn.length; row++) {
            System.arraycopy(cAttn[row], 0, q, row * c, c);
        }
        double expected = Stats.variance(q);
        double withSink = QkvVariances.compute(run.cache(), config, 0).q()[0];
        assertEquals(expected, withSink, 1e-4 * expected);
        assertTrue(Math.abs(withSink - ref.getAsJsonArray("qkv_variance_per_layer").get(0).getAsJsonArray().get(0).getAsDouble())
                > 1e-3, "position 0 makes a difference on this text");
    }

    @Test
    void histogramsOnCommonBinsMatchTheReference() {
        double[] edges = Fixture.vector(ref.get("hist_bin_edges"));
        QkvDensities.AllLayers hist = QkvDensities.allLayers(run.cache(), config, AnalysisDefaults.FIRST_POSITION);
        assertEquals(100, hist.bins());
        // Both sides compute numpy's linspace(-5, 5, 101): the same doubles.
        assertArrayEquals(edges, hist.edges(), 1e-12);
        for (QkvPart p : QkvPart.values()) {
            double[][] expected = Fixture.matrix(ref.get(p.label() + "_hist_density")); // [L, 100]
            double[][] densities = hist.densities(p);
            for (int l = 0; l < config.nLayer(); l++) {
                float[] values = QkvSplitter.split(run.cache(), config, l, 1).part(p);
                DensityAssertions.countsMatch("layer " + l + " " + p, edges, expected[l], hist.part(p).get(l), values, 1e-5);
                assertArrayEquals(hist.part(p).get(l).density(), densities[l]);
            }
        }
        String csv = hist.toCsv();
        assertTrue(csv.startsWith("layer,bin_left,bin_right,q,k,v\n0,-5.0,-4.9,"), csv.substring(0, 60));
    }

    @Test
    void fromAModelOnePassGivesTheSameAsFromTheCache() {
        QkvVariances.ByLayer fromCache = QkvVariances.compute(run.cache(), config, 1);
        QkvVariances.ByLayer fromModel = QkvVariances.compute(model, Fixture.tokenIds(), 1);
        assertArrayEquals(fromCache.v(), fromModel.v(), 1e-9);
        QkvDensities.AllLayers hist = QkvDensities.allLayers(model, Fixture.tokenIds(), 1, 10, -2, 2);
        assertEquals(10, hist.bins());
        assertEquals(-2, hist.lo());
        assertTrue(model.hooks().isEmpty(), "the pass's capture hooks are gone");
    }

    @Test
    void oneLayerOverEachPartsOwnRange() {
        QkvSplit split = QkvSplitter.split(run.cache(), config, 1, 1);
        QkvDensities.Layer own = QkvDensities.layer(split, AnalysisDefaults.QKV_BINS);
        assertFalse(own.sharedEdges());
        for (QkvPart p : QkvPart.values()) {
            float[] values = split.part(p);
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (float x : values) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            assertEquals(min, own.part(p).lo(), 0);
            assertEquals(max, own.part(p).hi(), 0);
            assertEquals(values.length, own.part(p).inRange());
        }
        assertTrue(own.toCsv().startsWith("bin,q_bin_left,q_bin_right,q,k_bin_left,k_bin_right,k,v_bin_left,v_bin_right,v\n"));

        QkvDensities.Layer shared = QkvDensities.layer(split, 100, -5, 5);
        assertTrue(shared.toCsv().startsWith("bin_left,bin_right,q,k,v\n-5.0,-4.9,"));
        assertEquals(101, shared.toCsv().lines().count());
    }

    @Test
    void jsonCarriesTheParameters() {
        QkvVariances.ByLayer vars = QkvVariances.compute(run.cache(), config, 1);
        JsonObject json = JsonParser.parseString(vars.toJson()).getAsJsonObject();
        assertEquals(1, json.get("firstPosition").getAsInt());
        assertEquals(vars.q()[2], json.getAsJsonArray("q").get(2).getAsDouble(), 0);
    }

    @Test
    void badArgumentsSayTheValidRange() {
        IllegalArgumentException layer = assertThrows(IllegalArgumentException.class,
                () -> QkvSplitter.split(run.cache(), config, 3, 1));
        assertTrue(layer.getMessage().contains("0..2"), layer.getMessage());
        IllegalArgumentException first = assertThrows(IllegalArgumentException.class,
                () -> QkvSplitter.split(run.cache(), config, 0, 30));
        assertTrue(first.getMessage().contains("0..29"), first.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QkvDensities.allLayers(run.cache(), config, 1, 0, -5, 5));
        assertThrows(IllegalArgumentException.class, () -> QkvDensities.allLayers(run.cache(), config, 1, 10, 5, -5));
        try (Gpt2.Run bare = model.run(Fixture.tokenIds(), List.of(HookPoint.block(0, HookPoint.Q)))) {
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> QkvSplitter.split(bare.cache(), config, 0, 1));
            assertTrue(missing.getMessage().contains("not captured"), missing.getMessage());
        }
    }
}
