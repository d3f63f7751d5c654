package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jlens.Fixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebook's numbers through the REPL: what the commands print and what {@code save} writes, against
 * {@code reference.json} (float64 numbers from an independent implementation).
 */
class ReferenceValuesTest {
    @TempDir
    static Path tmp;

    static TestSessions.Buffered b;
    static final JsonObject REF = Fixture.reference();

    @BeforeAll
    static void demoSetUp() {
        b = TestSessions.session();
        b.exec(TestSessions.textLine(), "hook layer all", "run");
        b.take();
    }

    /** Rows of a saved CSV, header first. */
    static List<String[]> csv(Path f) throws Exception {
        return Files.readAllLines(f).stream().map(l -> l.split(",")).toList();
    }

    private Path save(String name) {
        Path f = tmp.resolve(name);
        b.exec("save " + f + " --force");
        return f;
    }

    @Test
    void variancesPrintedAndSaved() throws Exception {
        b.exec("var");
        String out = b.take();
        assertTrue(out.contains("position 0 left out as in the notebook"), out);
        double[][] ref = Fixture.matrix(REF.get("qkv_variance_per_layer"));
        for (int l = 0; l < ref.length; l++) {
            String row = out.lines().filter(x -> x.matches("\\s+\\d+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+")).toList().get(Integer.parseInt("" + l));
            String[] cells = row.trim().split("\\s+");
            for (int p = 0; p < 3; p++) {
                assertEquals(ref[l][p], Double.parseDouble(cells[p + 1]), 1e-4 * ref[l][p], "printed variance layer " + l);
            }
        }
        List<String[]> rows = csv(save("var.csv"));
        assertEquals("layer,q,k,v", String.join(",", rows.get(0)));
        for (int l = 0; l < ref.length; l++) {
            for (int p = 0; p < 3; p++) {
                assertEquals(ref[l][p], Double.parseDouble(rows.get(l + 1)[p + 1]), 1e-5 * ref[l][p]);
            }
        }
    }

    @Test
    void qktMeansAndStdsPerLayer() throws Exception {
        b.exec("qkt all");
        b.take();
        List<String[]> rows = csv(save("qkt.csv"));
        assertEquals("layer,mean,std", String.join(",", rows.get(0)));
        double[] mean = Fixture.vector(REF.get("qkt_mean_per_layer"));
        double[] std = Fixture.vector(REF.get("qkt_std_per_layer"));
        for (int l = 0; l < mean.length; l++) {
            assertEquals(mean[l], Double.parseDouble(rows.get(l + 1)[1]), 1e-4);
            assertEquals(std[l], Double.parseDouble(rows.get(l + 1)[2]), 1e-4);
        }
        JsonObject json = JsonParser.parseString(Files.readString(save("qkt.json"))).getAsJsonObject();
        assertEquals("qkt all", json.get("command").getAsString());
        assertEquals(1, json.getAsJsonObject("parameters").get("first_position").getAsInt());
        assertEquals(mean[2], json.getAsJsonObject("result").getAsJsonArray("mean").get(2).getAsDouble(), 1e-4);
    }

    @Test
    void qktMatrixOfTheReferenceLayer() throws Exception {
        int layer = REF.get("qkt_layer").getAsInt();
        b.exec("qkt " + layer);
        b.take();
        double[] ref = Fixture.flatten(Fixture.matrix(REF.get("qkt_full_dim_scaled")));
        float[] saved = NpyTest.readF32(save("qkt.npy"), new long[] {29, 29});
        assertTrue(Fixture.maxAbsDiff(ref, saved) < 1e-3, "max diff " + Fixture.maxAbsDiff(ref, saved));
    }

    @Test
    void histogramDensitiesOfEveryLayer() throws Exception {
        b.exec("hist all");
        String out = b.take();
        assertTrue(out.contains("100 bins on [-5, 5]"), out);
        double[] saved = NpyF64.read(save("hist.npy"), new long[] {3, 3, 100});
        String[] keys = {"q_hist_density", "k_hist_density", "v_hist_density"};
        for (int p = 0; p < 3; p++) {
            double[] ref = Fixture.flatten(Fixture.matrix(REF.get(keys[p])));
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], saved[p * ref.length + i], 1e-9, keys[p] + " at " + i);
            }
        }
    }

    @Test
    void oneLayerOnTheReferenceEdges() throws Exception {
        b.exec("hist 1 --range -5 5");
        List<String[]> rows = csv(save("hist1.csv"));
        assertEquals("bin_left,bin_right,q,k,v", String.join(",", rows.get(0)));
        double[] q = Fixture.matrix(REF.get("q_hist_density"))[1];
        double[] v = Fixture.matrix(REF.get("v_hist_density"))[1];
        for (int i = 0; i < q.length; i++) {
            assertEquals(q[i], Double.parseDouble(rows.get(i + 1)[2]), 1e-9);
            assertEquals(v[i], Double.parseDouble(rows.get(i + 1)[4]), 1e-9);
        }
    }

    @Test
    void cleanAndAblatedLogProbs() throws Exception {
        double clean = REF.get("clean_logprob_target_at_pos_minus2").getAsDouble();
        b.exec("logprobs");
        String out = b.take();
        assertTrue(out.contains("real next token \" mind\" (id " + REF.get("target_token").getAsInt() + ") log-prob "
                + Format.num(clean)), out);
        List<String[]> lp = csv(save("logprobs.csv"));
        assertEquals("token_id,token,logprob", String.join(",", lp.get(0)));
        int head = REF.getAsJsonObject("ablation").get("head").getAsInt();
        b.exec("ablate head " + head + " token -2");
        out = b.take();
        assertTrue(out.contains("clean log-prob " + Format.num(clean)), out);
        List<String[]> rows = csv(save("ablate.csv"));
        assertEquals("layer,logprob,clean_logprob", String.join(",", rows.get(0)));
        double[] ref = Fixture.vector(REF.getAsJsonObject("ablation").get("logprob_target_per_layer"));
        for (int l = 0; l < ref.length; l++) {
            assertEquals(ref[l], Double.parseDouble(rows.get(l + 1)[1]), 1e-4, "ablated layer " + l);
            assertEquals(clean, Double.parseDouble(rows.get(l + 1)[2]), 1e-4);
        }
        b.exec("ablate head " + head + " token -2 layer 1");
        assertEquals(ref[1], Double.parseDouble(csv(save("one.csv")).get(1)[1]), 1e-4);
    }

    @Test
    void attentionPatternOfAHead() throws Exception {
        int layer = REF.get("pattern_layer").getAsInt();
        b.exec("pattern " + layer + " 2");
        b.take();
        double[] ref = Fixture.flatten(Fixture.matrix(REF.getAsJsonArray("attn_pattern").get(2)));
        float[] saved = NpyTest.readF32(save("pattern.npy"), new long[] {30, 30});
        assertTrue(Fixture.maxAbsDiff(ref, saved) < 1e-5);
    }

    @Test
    void cAttnOutputsOfEveryLayerAsNpy() throws Exception {
        for (int l = 0; l < 3; l++) {
            Path f = tmp.resolve("qkv" + l + ".npy");
            b.exec("save " + f + " blocks." + l + ".attn.hook_qkv --force");
            double[] ref = Fixture.flatten(Fixture.matrix(REF.getAsJsonObject("c_attn_out").get(Integer.toString(l))));
            assertTrue(Fixture.maxAbsDiff(ref, NpyTest.readF32(f, new long[] {30, 96})) < 1e-4);
        }
        b.exec("hook q1", "run", "save " + tmp.resolve("q1.npy") + " q1 --force", "unhook q1", "run");
        float[] q = NpyTest.readF32(tmp.resolve("q1.npy"), new long[] {30, 4, 8});
        double[] qkv = Fixture.flatten(Fixture.matrix(REF.getAsJsonObject("c_attn_out").get("1")));
        assertEquals(qkv[96 + 8 + 3], q[32 + 8 + 3], 1e-4, "q1[1, head 1, 3] is c_attn[1, 8 + 3]");
    }

    @Test
    void positionZeroCanBeIncluded() {
        b.exec("set pos0 on", "var");
        String out = b.take();
        assertTrue(out.contains("position 0 included"), out);
        b.exec("set pos0 off");
        b.exec("var --pos0");
        assertTrue(b.take().contains("position 0 included"));
    }
}
