package jlens.sae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.List;
import jlens.Fixture;
import jlens.SaeFixtures;
import jlens.analysis.DirectLogitAttribution;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code features dla}: feature rows, the error term, the decoder bias and the rest of the residual add up, with the
 * constant, to the model's logit difference, whatever the SAE does (left as it is, spliced, edited); with nothing
 * spliced, the model's own logit difference, as {@code dla} has it.
 */
class SaeAttributionTest {
    static Gpt2 model;
    static long[] ids;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        ids = SaeFixtures.ids();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void rowsAddUpToTheLogitDifference() {
        for (String name : SaeFixtures.NAMES) {
            try (Sae sae = Sae.load(SaeFixtures.dir(name), name, Device.cpu(), Double.NaN)) {
                int top = SaeFixtures.of(name).get("top_feature_last_pos").getAsInt();
                DirectLogitAttributionResult plain = DirectLogitAttribution.compute(model, ids, -1, SaeReferenceTest.MARY,
                        SaeReferenceTest.JOHN);
                for (SaeSplice s : List.of(SaeSplice.off(sae), new SaeSplice(sae, SaeSplice.Mode.SPLICED, List.of()),
                        new SaeSplice(sae, SaeSplice.Mode.OFF, List.of(SaeEdit.ablate(top), SaeEdit.steer(1, 2))))) {
                    SaeAttribution.Result r = SaeAttribution.of(model, ids, s, List.of(), -1, SaeReferenceTest.MARY,
                            SaeReferenceTest.JOHN, () -> {});
                    assertEquals(r.logit(), r.total(), 1e-4 * Math.max(1, Math.abs(r.logit())), name + " " + s.describe());
                    if (s.idle()) {
                        assertEquals(plain.logit(), r.logit(), 1e-4, "nothing in force: the model's own logit difference");
                        assertEquals(SaeFixtures.reference().get("m_clean").getAsDouble(), r.logit(), 1e-4);
                    }
                    if (s.mode() == SaeSplice.Mode.SPLICED) {
                        assertEquals(0, r.error(), 1e-5, "the reconstruction alone: no error term");
                        assertEquals(SaeFixtures.of(name).get("m_splice_no_error").getAsDouble(), r.logit(), 1e-4);
                    }
                    assertTrue(r.features().stream().allMatch(t -> t.activation() != 0), "active features only");
                    if (s.edits().size() == 2) {
                        assertTrue(r.features().stream().noneMatch(t -> t.feature() == top), "the zeroed feature is not active");
                    }
                }
            }
        }
    }
}
