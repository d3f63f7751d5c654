package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.List;
import jlens.CircuitsReference;
import jlens.Fixture;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Direct logit attribution against the fixture's float64 reference, toward a token and a logit difference. */
class DirectLogitAttributionReferenceTest {
    private static final double REL = 1e-4;
    private static Gpt2 model;
    private static long[] ids;
    private static int position;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        JsonObject dla = CircuitsReference.dla();
        ids = CircuitsReference.ids(dla.getAsJsonArray("token_ids"));
        position = dla.get("position_from_end").getAsInt();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static DirectLogitAttributionResult compute(String which) {
        JsonObject ref = CircuitsReference.dla().getAsJsonObject(which);
        return which.equals("target")
                ? DirectLogitAttribution.compute(model, ids, position, ref.get("token_id").getAsLong(), -1)
                : DirectLogitAttribution.compute(model, ids, position, ref.get("answer_id").getAsLong(),
                        ref.get("wrong_id").getAsLong());
    }

    @ParameterizedTest
    @ValueSource(strings = {"target", "logit_diff"})
    void componentsMatchReference(String which) {
        JsonObject ref = CircuitsReference.dla().getAsJsonObject(which);
        DirectLogitAttributionResult r = compute(which);
        assertEquals(CircuitsReference.dla().get("position").getAsInt(), r.position());
        CircuitsReference.close(CircuitsReference.dla().get("ln_scale").getAsDouble(), r.lnScale(), REL, "ln_scale");
        double[][] heads = Fixture.matrix(ref.get("per_head"));
        for (int l = 0; l < heads.length; l++) {
            for (int h = 0; h < heads[l].length; h++) {
                CircuitsReference.close(heads[l][h], r.perHead()[l][h], REL, which + " head " + l + "." + h);
            }
        }
        double[] mlp = Fixture.vector(ref.get("mlp"));
        double[] bias = Fixture.vector(ref.get("attn_bias"));
        for (int l = 0; l < mlp.length; l++) {
            CircuitsReference.close(mlp[l], r.mlp()[l], REL, which + " mlp " + l);
            CircuitsReference.close(bias[l], r.attnBias()[l], REL, which + " attn_bias " + l);
        }
        CircuitsReference.close(ref.get("embed").getAsDouble(), r.embed(), REL, which + " embed");
        CircuitsReference.close(ref.get("pos_embed").getAsDouble(), r.posEmbed(), REL, which + " pos_embed");
        CircuitsReference.close(ref.get("constant").getAsDouble(), r.constant(), REL, which + " constant");
        CircuitsReference.close(ref.get("logit").getAsDouble(), r.logit(), REL, which + " logit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"target", "logit_diff"})
    void componentsPlusConstantAreTheLogit(String which) {
        DirectLogitAttributionResult r = compute(which);
        assertEquals(r.logit(), r.total(), 1e-4 * Math.max(1, Math.abs(r.logit())));
        assertEquals(which.equals("logit_diff"), r.isDifference());
    }

    @Test
    void topComponentsAreRankedByMagnitude() {
        DirectLogitAttributionResult r = compute("logit_diff");
        List<DirectLogitAttributionTerm> top = r.top(5);
        assertEquals(5, top.size());
        for (int i = 1; i < top.size(); i++) {
            assertTrue(Math.abs(top.get(i - 1).value()) >= Math.abs(top.get(i).value()));
        }
        int n = model.config().nLayer();
        assertEquals(n * model.config().nHead() + 2 * n + 2, r.terms().size());
        double max = r.terms().stream().mapToDouble(x -> Math.abs(x.value())).max().orElseThrow();
        assertEquals(max, Math.abs(top.get(0).value()));
        assertTrue(r.toCsv().startsWith("component,layer,head,value\n"));
        assertEquals(r.terms().size() + 2, r.toCsv().lines().count()); // header, terms, constant
    }

    @Test
    void rejectsTokensOutsideTheVocabulary() {
        assertThrows(IllegalArgumentException.class, () -> DirectLogitAttribution.compute(model, ids, -2, 50257, -1));
        assertThrows(IllegalArgumentException.class, () -> DirectLogitAttribution.compute(model, ids, 40, 1, -1));
    }
}
