package jlens.sae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import jlens.Fixture;
import jlens.SaeFixtures;
import jlens.hook.Hooks;
import jlens.intervene.Interventions;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fixture's three SAEs (relu in the older layout, jumprelu and topk in SAELens 6's) against its float64 reference:
 * every feature at every token, L0, explained variance, MSE, the top feature at the last position, and the metric
 * logit[" Mary"] - logit[" John"] with the reconstruction spliced in, with the error term (the clean metric), and with
 * the top feature zeroed and the error term kept.
 */
class SaeReferenceTest {
    static final long MARY = 5335;
    static final long JOHN = 1757;
    private static Gpt2 model;
    private static long[] ids;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        ids = SaeFixtures.ids();
        assertEquals(SaeFixtures.reference().get("answer").getAsLong(), MARY);
        assertEquals(SaeFixtures.reference().get("wrong").getAsLong(), JOHN);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static Sae sae(String name) {
        return Sae.load(SaeFixtures.dir(name), name, Device.cpu(), Double.NaN);
    }

    /** logit[Mary] - logit[John] at the last position with {@code splice} in force (null: none). */
    static double metric(SaeSplice splice) {
        try (Hooks.Scope scope = model.hooks().scope(); NDManager m = NDManager.newBaseManager()) {
            if (splice != null && splice.intervention() != null) {
                Interventions.register(scope, List.of(splice.intervention()), () -> 0);
            }
            NDArray logits = model.forward(ids, m); // [1, T, V]
            float[] last = logits.get(0, ids.length - 1).toFloatArray();
            return (double) last[(int) MARY] - last[(int) JOHN];
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu-pre6", "jumprelu-v6", "topk-v6"})
    void everyFeatureAtEveryTokenMatches(String name) {
        JsonObject ref = SaeFixtures.of(name);
        try (Sae sae = sae(name)) {
            assertEquals(ref.get("hook").getAsString(), sae.hook());
            assertEquals(ref.get("architecture").getAsString(), sae.config().architecture().word());
            assertEquals(ref.get("d_sae").getAsInt(), sae.dSae());
            SaeFeatures.Activations a = SaeFeatures.of(model, ids, SaeSplice.off(sae), List.of(), () -> {});
            JsonArray rows = ref.getAsJsonArray("acts");
            double worst = 0;
            for (int p = 0; p < ids.length; p++) {
                JsonArray row = rows.get(p).getAsJsonArray();
                for (int f = 0; f < sae.dSae(); f++) {
                    double expected = row.get(f).getAsDouble();
                    worst = Math.max(worst, Math.abs(a.at(p, f) - expected) / Math.max(1, Math.abs(expected)));
                    assertEquals(expected == 0, a.at(p, f) == 0, name + " feature " + f + " at " + p + " fires as the reference's");
                }
            }
            assertTrue(worst < 1e-4, name + ": largest difference " + worst);
            int last = ids.length - 1;
            int top = a.top(last, 1)[0];
            assertEquals(ref.get("top_feature_last_pos").getAsInt(), top, name + " top feature at the last position");
            assertEquals(ref.get("top_value_last_pos").getAsDouble(), a.at(last, top), 1e-4, name + " its activation");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu-pre6", "jumprelu-v6", "topk-v6"})
    void statisticsMatch(String name) {
        JsonObject ref = SaeFixtures.of(name);
        try (Sae sae = sae(name)) {
            for (SaeStats.Level level : SaeStats.Level.values()) {
                SaeStats.Stats s = SaeStats.of(model, new long[][] {ids}, sae, List.of(), level, () -> {})
                        .stats(name, "the text", level);
                assertEquals(ref.get("l0_mean").getAsDouble(), s.l0(), 1e-9, name + " L0");
                assertEquals(ref.get("explained_variance").getAsDouble(), s.explainedVariance(), 1e-4, name + " explained variance");
                assertEquals(ref.get("mse").getAsDouble(), s.mse(), 1e-4 * ref.get("mse").getAsDouble(), name + " MSE");
                assertEquals(ids.length, s.tokens());
                if (level == SaeStats.Level.LOSS) {
                    assertTrue(s.ceClean() > 0 && s.ceSpliced() > 0 && s.kl() > 0, name + ": " + s);
                } else {
                    assertTrue(Double.isNaN(s.ceClean()), "no loss measured at " + level);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu-pre6", "jumprelu-v6", "topk-v6"})
    void splicesMatch(String name) {
        JsonObject ref = SaeFixtures.of(name);
        double clean = SaeFixtures.reference().get("m_clean").getAsDouble();
        assertEquals(clean, metric(null), 1e-4, "the clean metric");
        try (Sae sae = sae(name)) {
            assertEquals(ref.get("m_splice_no_error").getAsDouble(), metric(new SaeSplice(sae, SaeSplice.Mode.SPLICED, List.of())),
                    1e-4, name + " spliced");
            assertEquals(ref.get("m_with_error_term").getAsDouble(),
                    metric(new SaeSplice(sae, SaeSplice.Mode.SPLICED_WITH_ERROR, List.of())), 1e-4, name + " with the error term");
            int top = ref.get("top_feature_last_pos").getAsInt();
            double ablated = metric(new SaeSplice(sae, SaeSplice.Mode.OFF, List.of(SaeEdit.ablate(top))));
            assertEquals(ref.get("m_ablate_top_feature_with_error").getAsDouble(), ablated, 1e-4, name + " top feature zeroed");
            assertEquals(ablated, metric(new SaeSplice(sae, SaeSplice.Mode.SPLICED_WITH_ERROR, List.of(SaeEdit.ablate(top)))),
                    1e-4, "zeroing with the reconstruction and its error spliced in is the same change");
        }
    }

    /** SAELens's test_hooked_sae_transformer: with the error term, the logits are the model's (1e-4), all of them. */
    @Test
    void withTheErrorTermTheLogitsAreTheModels() {
        for (String name : SaeFixtures.NAMES) {
            try (Sae sae = sae(name); NDManager m = NDManager.newBaseManager()) {
                float[] plain = model.forward(ids, m).toFloatArray();
                float[] spliced;
                float[] without;
                try (Hooks.Scope scope = model.hooks().scope()) {
                    Interventions.register(scope, List.of(new SaeSplice(sae, SaeSplice.Mode.SPLICED_WITH_ERROR, List.of())
                            .intervention()), () -> 0);
                    spliced = model.forward(ids, m).toFloatArray();
                }
                try (Hooks.Scope scope = model.hooks().scope()) {
                    Interventions.register(scope, List.of(new SaeSplice(sae, SaeSplice.Mode.SPLICED, List.of()).intervention()),
                            () -> 0);
                    without = model.forward(ids, m).toFloatArray();
                }
                double worst = 0;
                double moved = 0;
                for (int i = 0; i < plain.length; i++) {
                    worst = Math.max(worst, Math.abs(plain[i] - spliced[i]));
                    moved = Math.max(moved, Math.abs(plain[i] - without[i]));
                }
                assertTrue(worst < 1e-4, name + ": the error term left a difference of " + worst);
                assertTrue(moved > 1e-2, name + ": the reconstruction alone changes the logits (" + moved + "): the test can fail");
            }
        }
    }

    @Test
    void editsThatChangeNothingChangeNothing() {
        try (Sae sae = sae("topk-v6")) {
            double clean = metric(null);
            SaeFeatures.Activations a = SaeFeatures.of(model, ids, SaeSplice.off(sae), List.of(), () -> {});
            int quiet = -1;
            for (int f = 0; f < sae.dSae() && quiet < 0; f++) {
                boolean never = true;
                for (int p = 0; p < ids.length; p++) {
                    never &= a.at(p, f) == 0;
                }
                quiet = never ? f : -1;
            }
            assertTrue(quiet >= 0, "a feature that never fires on the text");
            assertEquals(clean, metric(new SaeSplice(sae, SaeSplice.Mode.OFF, List.of(SaeEdit.ablate(quiet)))), 1e-4,
                    "zeroing a feature that is 0 everywhere");
            assertEquals(clean, metric(new SaeSplice(sae, SaeSplice.Mode.OFF, List.of(SaeEdit.steer(3, 0)))), 1e-5,
                    "steering with coefficient 0");
            assertFalse(Math.abs(clean - metric(new SaeSplice(sae, SaeSplice.Mode.OFF, List.of(SaeEdit.steer(3, 5))))) < 1e-3,
                    "steering with 5 moves the metric");
        }
    }
}
