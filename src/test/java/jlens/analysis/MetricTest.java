package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Patching metrics: single-token checks, and the same value from logits and from the final residual. */
class MetricTest {
    private static Gpt2 model;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void singleTokensAndTheirPieces() {
        assertEquals(5335, Metric.singleToken(model.tokenizer(), " Mary"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Metric.singleToken(model.tokenizer(), " Maryland\u001b[31m"));
        assertTrue(e.getMessage().contains("tokens (\" Maryland\" + "), e.getMessage());
        assertTrue(e.getMessage().contains("\\u001b"), e.getMessage());
        assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Metric.singleToken(model.tokenizer(), ""));
        assertEquals(MetricKind.LOGIT_DIFF, MetricKind.parse("logitdiff"));
        assertEquals(MetricKind.LOGPROB, MetricKind.parse("LOGPROB"));
        assertThrows(IllegalArgumentException.class, () -> MetricKind.parse("loss"));
        assertThrows(IllegalArgumentException.class, () -> new Metric(MetricKind.LOGIT_DIFF, 1, -1, -1));
    }

    @Test
    void logitsAndFinalResidualAgree() {
        long[] ids = Fixture.tokenIds();
        String last = HookPoint.block(model.config().nLayer() - 1, HookPoint.RESID_POST);
        try (Gpt2.Run run = model.run(ids, java.util.List.of(last)); NDManager m = model.manager().newSubManager()) {
            NDArray resid = run.cache().get(last).get(0).duplicate(); // [T, C]
            resid.attach(m);
            for (Metric metric : new Metric[] {Metric.logitDiff(5335, 1757, -2), Metric.logprob(ids[29], -2), Metric.logprob(11, 3)}) {
                double fromLogits = metric.of(run.logits());
                double[] fromResid = metric.ofFinalResidual(model, resid, 7); // every position's residual
                assertEquals(fromLogits, fromResid[metric.at(ids.length)], 1e-4, metric.toString());
            }
            NDArray logits = run.logits().get(0, 28); // [V]
            float[] row = logits.toFloatArray();
            assertEquals(row[5335] - row[1757], Metric.logitDiff(5335, 1757, -2).of(run.logits()), 1e-6);
            assertEquals(Fixture.reference().get("clean_logprob_target_at_pos_minus2").getAsDouble(),
                    Metric.logprob(ids[29], 28).of(run.logits()), 1e-3);
        }
        assertEquals("logit[\" Mary\"] - logit[\" John\"] at position 29",
                Metric.logitDiff(5335, 1757, -1).describe(model.tokenizer(), 30));
    }
}
