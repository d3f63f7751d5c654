package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import jlens.CircuitsReference;
import jlens.Fixture;
import jlens.analysis.Metric;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Activation patching against the fixture's float64 reference (TransformerLens's get_act_patch_* semantics). */
class PatchReferenceTest {
    private static final double REL = 1e-4;
    private static Gpt2 model;
    private static JsonObject ref;
    private static long[] clean;
    private static long[] corrupt;
    private static Metric metric;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        ref = CircuitsReference.patching();
        clean = CircuitsReference.ids(ref.getAsJsonArray("clean_ids"));
        corrupt = CircuitsReference.ids(ref.getAsJsonArray("corrupt_ids"));
        metric = Metric.logitDiff(ref.get("answer_id").getAsLong(), ref.get("wrong_id").getAsLong(), -1);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void textsAndTokensAreTheReferences() {
        assertArrayEquals(clean, model.tokenizer().encode(ref.get("clean_text").getAsString()));
        assertArrayEquals(corrupt, model.tokenizer().encode(ref.get("corrupt_text").getAsString()));
        assertEquals(ref.get("answer_id").getAsLong(), Metric.singleToken(model.tokenizer(), ref.get("answer_str").getAsString()));
        assertEquals(ref.get("wrong_id").getAsLong(), Metric.singleToken(model.tokenizer(), ref.get("wrong_str").getAsString()));
    }

    @ParameterizedTest
    @CsvSource({"RESID_PRE,resid_pre,false", "ATTN_OUT,attn_out,false", "MLP_OUT,mlp_out,false", "HEADS,head_z_all_pos,false",
            "RESID_PRE,resid_pre,true", "ATTN_OUT,attn_out,true", "MLP_OUT,mlp_out,true", "HEADS,head_z_all_pos,true"})
    void gridsMatchReference(PatchKind kind, String key, boolean naive) {
        PatchResult r = Patch.run(model, new PatchSpec(clean, corrupt, kind, metric), SweepOptions.patching().withNaive(naive));
        String what = (naive ? "naive " : "fast ") + key;
        CircuitsReference.close(ref.get("m_clean").getAsDouble(), r.mClean(), REL, what + " m_clean");
        CircuitsReference.close(ref.get("m_corrupt").getAsDouble(), r.mCorrupt(), REL, what + " m_corrupt");
        double[][] raw = Fixture.matrix(ref.getAsJsonObject("raw").get(key));
        double[][] normalized = Fixture.matrix(ref.get(key));
        assertArrayEquals(new int[] {raw.length, raw[0].length}, r.shape());
        for (int l = 0; l < raw.length; l++) {
            for (int i = 0; i < raw[l].length; i++) {
                CircuitsReference.close(raw[l][i], r.raw(l, i), REL, what + " raw " + l + "," + i);
                CircuitsReference.close(normalized[l][i], r.normalized(l, i), 1e-3, what + " normalized " + l + "," + i);
            }
        }
    }
}
