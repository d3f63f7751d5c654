package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.List;
import jlens.Fixture;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Demo 3 step 2 (log-probabilities at position -2) and per-position logit statistics against reference.json. */
class LogProbsReferenceTest {
    private static Gpt2 model;
    private static Gpt2.Run run;
    private static JsonObject ref;
    private static long[] ids;

    @BeforeAll
    static void runOnce() {
        model = Gpt2.load(Fixture.dir());
        ids = Fixture.tokenIds();
        run = model.run(ids, List.of());
        ref = Fixture.reference();
    }

    @AfterAll
    static void close() {
        run.close();
        model.close();
    }

    @Test
    void realLastTokenAtPositionMinusTwo() {
        LogProbs.AtPosition lp = LogProbs.at(run.logits(), ids, model.tokenizer(), AnalysisDefaults.LOGPROB_POSITION, 5);
        assertEquals(ids.length - 2, lp.position());
        assertEquals(ref.get("target_token").getAsLong(), lp.next().id());
        assertEquals(ref.get("clean_logprob_target_at_pos_minus2").getAsDouble(), lp.next().logProb(), 1e-3);
        assertEquals(model.tokenizer().pieces(new long[] {lp.next().id()})[0], lp.next().token());

        // Against the log-softmax of the reference logits of that position, computed here in double.
        double[] logits = Fixture.matrix(ref.get("logits_last2"))[0];
        double max = Double.NEGATIVE_INFINITY;
        for (double x : logits) {
            max = Math.max(max, x);
        }
        double z = 0;
        for (double x : logits) {
            z += Math.exp(x - max);
        }
        double logZ = max + Math.log(z);
        double worst = 0;
        for (int i = 0; i < logits.length; i++) {
            worst = Math.max(worst, Math.abs(logits[i] - logZ - lp.logProbs()[i]));
        }
        assertTrue(worst < 1e-3, "max abs error over the vocabulary " + worst);

        int higher = 0;
        double target = logits[(int) lp.next().id()];
        for (double x : logits) {
            if (x > target) {
                higher++;
            }
        }
        assertEquals(higher + 1, lp.next().rank());
        assertEquals((long) Fixture.vector(ref.get("argmax_per_pos"))[ids.length - 2], lp.top().get(0).id());
        assertEquals(1, lp.top().get(0).rank());
        assertEquals(5, lp.top().size());
        for (int i = 1; i < lp.top().size(); i++) {
            assertTrue(lp.top().get(i - 1).logProb() >= lp.top().get(i).logProb(), "most likely first");
        }
        double total = 0;
        for (float x : lp.logProbs()) {
            total += Math.exp(x);
        }
        assertEquals(1.0, total, 1e-4, "probabilities sum to 1");
    }

    @Test
    void theLastPositionHasNoRealNextToken() {
        LogProbs.AtPosition lp = LogProbs.at(run.logits(), ids, model.tokenizer(), -1, 3);
        assertEquals(ids.length - 1, lp.position());
        assertNull(lp.next());
    }

    @Test
    void csvListsTheWholeVocabulary() {
        LogProbs.AtPosition lp = LogProbs.at(model, ids, -2, 3);
        String csv = lp.toCsv();
        List<String> lines = csv.lines().toList();
        assertEquals("token_id,token,logprob", lines.get(0));
        assertEquals(model.config().vocabSize(), lp.rowCount());
        assertTrue(lines.get(1).startsWith("0,!,"), lines.get(1));
        // " the" (id 262) keeps its leading space inside quotes
        assertTrue(csv.contains("\n262,\" the\"," + lp.logProbs()[262] + "\n"), "row of id 262");
    }

    @Test
    void logitStatisticsPerPositionMatch() {
        double[] mean = Fixture.vector(ref.get("logits_mean_per_pos"));
        double[] std = Fixture.vector(ref.get("logits_std_per_pos"));
        LogitStats.ByPosition stats = LogitStats.perPosition(run.logits());
        assertEquals(mean.length, stats.tokens());
        for (int p = 0; p < mean.length; p++) {
            assertEquals(mean[p], stats.mean()[p], 1e-4 * std[p], "mean at " + p);
            assertEquals(std[p], stats.std()[p], 1e-4 * std[p], "std at " + p);
        }
    }

    @Test
    void badPositionOrTopKSaysTheValidRange() {
        IllegalArgumentException position = assertThrows(IllegalArgumentException.class,
                () -> LogProbs.at(run.logits(), ids, model.tokenizer(), ids.length, 3));
        assertTrue(position.getMessage().contains("0.." + (ids.length - 1)), position.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LogProbs.at(run.logits(), ids, model.tokenizer(), -ids.length - 1, 3));
        assertThrows(IllegalArgumentException.class, () -> LogProbs.at(run.logits(), ids, model.tokenizer(), 0, -1));
        assertThrows(IllegalArgumentException.class, () -> LogProbs.at(run.logits(), new long[] {1, 2}, model.tokenizer(), 0, 3));
    }
}
