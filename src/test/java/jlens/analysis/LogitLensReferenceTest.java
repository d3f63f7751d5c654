package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import jlens.CircuitsReference;
import jlens.Fixture;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The logit lens against the fixture's float64 reference (TransformerLens's accumulated_resid after its fix). */
class LogitLensReferenceTest {
    private static Gpt2 model;
    private static JsonObject ref;
    private static LogitLensResult lens;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        ref = CircuitsReference.lens();
        long[] ids = CircuitsReference.ids(ref.getAsJsonArray("token_ids"));
        lens = LogitLens.compute(model, ids, ref.get("position_from_end").getAsInt(), -1);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void rowsAreEveryResidPreThenTheFinalResidual() {
        assertEquals(ref.get("position").getAsInt(), lens.position());
        assertEquals(ref.get("target_id").getAsLong(), lens.target());
        assertEquals(model.config().nLayer() + 1, lens.rowCount());
        assertEquals("blocks.0.hook_resid_pre", lens.rows().get(0));
        assertEquals("blocks.2.hook_resid_post", lens.rows().get(3));
    }

    @Test
    void logprobsRanksAndTopTokensMatchReference() {
        double[] lp = Fixture.vector(ref.get("logprob_target"));
        double[] top1Lp = Fixture.vector(ref.get("top1_logprob"));
        for (int r = 0; r < lp.length; r++) {
            assertEquals(lp[r], lens.logprobTarget()[r], 1e-3, "log-prob row " + r);
            assertEquals(top1Lp[r], lens.top1Logprob()[r], 1e-3, "top-1 log-prob row " + r);
        }
        // the reference counts the tokens above the target (0: the top); jlens's ranks count from 1
        assertArrayEquals(java.util.Arrays.stream(CircuitsReference.ints(ref.getAsJsonArray("rank_target"))).map(r -> r + 1).toArray(),
                lens.rankTarget());
        assertArrayEquals(CircuitsReference.ints(ref.getAsJsonArray("top1_id")), lens.top1Id());
    }

    @Test
    void topTokenTableAndMarginsMatchReference() {
        double[][] margins = Fixture.matrix(ref.get("top1_margin_table"));
        for (int r = 0; r < margins.length; r++) {
            assertArrayEquals(CircuitsReference.ints(ref.getAsJsonArray("top1_id_table").get(r).getAsJsonArray()),
                    lens.top1IdTable()[r], "row " + r);
            for (int p = 0; p < margins[r].length; p++) {
                CircuitsReference.close(margins[r][p], lens.top1MarginTable()[r][p], 1e-4, "margin " + r + "," + p);
            }
        }
    }

    @Test
    void lastRowIsTheModelsOwnPrediction() {
        assertTrue(lens.finalRowMaxAbsDiff() < 1e-4, "max |diff| " + lens.finalRowMaxAbsDiff());
        long[] ids = CircuitsReference.ids(ref.getAsJsonArray("token_ids"));
        int last = lens.rowCount() - 1;
        try (ai.djl.ndarray.NDManager m = model.manager().newSubManager()) {
            ai.djl.ndarray.NDArray logits = model.forward(ids, m); // [1, T, V]
            assertEquals(logits.get(0, 28).argMax().getLong(), lens.top1Id()[last]);
            assertEquals(Metric.logprob(ids[29], -2).of(logits), lens.logprobTarget()[last], 1e-4);
        }
    }

    @Test
    void anExplicitTargetAndErrors() {
        long[] ids = CircuitsReference.ids(ref.getAsJsonArray("token_ids"));
        LogitLensResult other = LogitLens.compute(model, ids, -2, lens.top1Id()[0]);
        assertEquals(1, other.rankTarget()[0]);
        assertEquals(lens.top1Logprob()[0], other.logprobTarget()[0], 1e-9);
        IllegalArgumentException last = assertThrows(IllegalArgumentException.class, () -> LogitLens.compute(model, ids, -1, -1));
        assertTrue(last.getMessage().contains("no real next token"), last.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LogitLens.compute(model, ids, 30, -1));
        assertThrows(IllegalArgumentException.class, () -> LogitLens.compute(model, ids, -2, 50257));
    }

    @Test
    void aWindowOfTheTableEqualsTheWholeThereAndIsMarkedElsewhere() {
        long[] ids = CircuitsReference.ids(ref.getAsJsonArray("token_ids"));
        int p = lens.position();
        LogitLensResult part = LogitLens.compute(model, ids, p, -1, p - 4, p + 1); // the read-out among them
        assertTrue(lens.tableComplete());
        assertTrue(!part.tableComplete());
        assertArrayEquals(lens.logprobTarget(), part.logprobTarget(), 1e-9);
        assertArrayEquals(lens.top1Id(), part.top1Id());
        for (int r = 0; r < lens.rowCount(); r++) {
            for (int q = 0; q < ids.length; q++) {
                if (q >= p - 4 && q <= p + 1) {
                    assertEquals(lens.top1IdTable()[r][q], part.top1IdTable()[r][q], "row " + r + " position " + q);
                    assertEquals(lens.top1MarginTable()[r][q], part.top1MarginTable()[r][q], 1e-5, "margin " + r + "," + q);
                } else {
                    assertEquals(-1, part.top1IdTable()[r][q], "not computed: row " + r + " position " + q);
                    assertTrue(Double.isNaN(part.top1MarginTable()[r][q]));
                }
            }
        }
        LogitLensResult one = LogitLens.compute(model, ids, p, -1, 3, 3); // a window without the read-out position
        for (int r = 0; r < lens.rowCount(); r++) {
            assertEquals(lens.top1IdTable()[r][3], one.top1IdTable()[r][3]);
            assertEquals(-1, one.top1IdTable()[r][p]);
        }
        // positions after p and the window are not run (the model is causal): the read-out is the same
        assertTrue(p < ids.length - 1, "the fixture reads out before the last token");
        for (LogitLensResult shorter : new LogitLensResult[] {one, LogitLens.compute(model, ids, p, -1, p - 2, p)}) {
            assertArrayEquals(lens.logprobTarget(), shorter.logprobTarget(), 1e-5);
            assertArrayEquals(lens.rankTarget(), shorter.rankTarget());
            assertArrayEquals(lens.top1Id(), shorter.top1Id());
            assertTrue(shorter.finalRowMaxAbsDiff() < 1e-4, "the check against the model's own logits: " + shorter.finalRowMaxAbsDiff());
        }
        assertThrows(IllegalArgumentException.class, () -> LogitLens.compute(model, ids, p, -1, 5, 4));
        assertThrows(IllegalArgumentException.class, () -> LogitLens.compute(model, ids, p, -1, 0, ids.length));
    }

    @Test
    void savesAsTableAndJson() {
        String csv = lens.toCsv();
        assertTrue(csv.startsWith("row,hook,logprob,rank,top1_id,top1_logprob\n"), csv);
        assertEquals(lens.rowCount() + 1, csv.lines().count());
        assertTrue(lens.toJson().contains("\"top1IdTable\""));
    }
}
