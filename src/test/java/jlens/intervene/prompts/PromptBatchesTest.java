package jlens.intervene.prompts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.concurrent.CancellationException;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.CaptureTooLargeException;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import jlens.intervene.generation.GenerationChooser;
import jlens.intervene.Intervention;

/** Set-level scores and means, batched, against the same numbers taken one prompt at a time. */
class PromptBatchesTest {
    /** A batch and a single pass add the same numbers in another order. */
    static final double TOLERANCE = 1e-4;
    private static Gpt2 model;
    private static PromptSet set;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        set = IoiPrompts.generate(7, 3, model.tokenizer());
        assertTrue(set.minLength() < set.maxLength(), "mixed lengths: the batches are padded");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Log-softmax at the last token of {@code ids}, alone, with the model's hooks. */
    private static float[] single(long[] ids) {
        try (NDManager m = model.manager().newSubManager()) {
            return model.forward(ids, m).get("0, {}, :", ids.length - 1).logSoftmax(0).toFloatArray();
        }
    }

    @Test
    void scoresAndTheirMeansEqualSingles() {
        for (boolean corrupt : new boolean[] {false, true}) {
            PromptScores scores = new PromptBatches(model, 3, () -> false).scores(set, corrupt, List.of());
            PromptMean answers = PromptMean.EMPTY;
            PromptMean diffs = PromptMean.EMPTY;
            for (int i = 0; i < set.size(); i++) {
                Prompt p = set.get(i);
                float[] lp = single(corrupt ? p.corruptIds() : p.ids());
                PromptScore s = scores.rows().get(i);
                assertEquals(lp[(int) p.answerId()], s.answerLogprob(), TOLERANCE);
                assertEquals(lp[(int) p.wrongId()], s.wrongLogprob(), TOLERANCE);
                assertEquals(lp[(int) p.answerId()] - lp[(int) p.wrongId()], s.logitDiff(), TOLERANCE);
                assertEquals(GenerationChooser.argmax(lp), s.topId());
                answers = answers.plus(lp[(int) p.answerId()]);
                diffs = diffs.plus(lp[(int) p.answerId()] - lp[(int) p.wrongId()]);
            }
            assertEquals(set.size(), scores.sums().answerLogprob().count());
            assertEquals(answers.mean(), scores.sums().answerLogprob().mean(), TOLERANCE);
            assertEquals(diffs.mean(), scores.sums().logitDiff().mean(), TOLERANCE);
            assertEquals(diffs.std(), scores.sums().logitDiff().std(), TOLERANCE);
        }
    }

    @Test
    void partsOfASetCombineIntoTheWhole() {
        PromptBatches batches = new PromptBatches(model, 4, () -> false);
        PromptScoreSums whole = batches.scores(set, false, List.of()).sums();
        PromptScoreSums parts = batches.scores(set.slice(0, 2), false, List.of()).sums()
                .plus(batches.scores(set.slice(2, 7), false, List.of()).sums());
        assertEquals(whole.logitDiff().count(), parts.logitDiff().count());
        assertEquals(whole.logitDiff().mean(), parts.logitDiff().mean(), TOLERANCE);
        PromptActivationSums a = batches.sums(set.slice(0, 3), "z1", false, List.of());
        PromptActivationSums b = batches.sums(set.slice(3, 7), "z1", false, List.of());
        PromptActivationSums all = batches.sums(set, "z1", false, List.of());
        assertEquals(all.positions(), a.plus(b).positions());
        double[] m1 = all.mean();
        double[] m2 = a.plus(b).mean();
        for (int i = 0; i < m1.length; i++) {
            assertEquals(m1[i], m2[i], 1e-5);
        }
        PromptMean x = PromptMean.of(1).plus(2);
        PromptMean y = PromptMean.of(4);
        PromptMean z = PromptMean.of(-3).plus(0.5);
        assertEquals(x.plus(y).plus(z), x.plus(y.plus(z)), "associative");
        assertEquals(x.plus(PromptMean.EMPTY), x, "EMPTY is the identity");
    }

    @Test
    void meanActivationEqualsTheMeanOfSingles() {
        PromptActivationSums sums = new PromptBatches(model, 3, () -> false).sums(set, "blocks.1.attn.hook_z", false, List.of());
        int w = 4 * 8;
        double[] expected = new double[set.maxLength() * w];
        long[] counts = new long[set.maxLength()];
        try (NDManager m = model.manager().newSubManager()) {
            for (Prompt p : set.prompts()) {
                NDArray[] z = new NDArray[1];
                try (Hooks.Scope s = model.hooks().scope()) {
                    s.add("z1", (n, a) -> {
                        z[0] = a.duplicate();
                        z[0].attach(m);
                        return null;
                    });
                    model.forward(p.ids(), m);
                }
                float[] v = z[0].toFloatArray(); // [1, T, NH, HS]
                for (int i = 0; i < v.length; i++) {
                    expected[i] += v[i];
                }
                for (int t = 0; t < p.length(); t++) {
                    counts[t]++;
                }
            }
        }
        assertEquals(java.util.Arrays.toString(counts), java.util.Arrays.toString(sums.counts()));
        double[] mean = sums.mean();
        for (int i = 0; i < mean.length; i++) {
            assertEquals(expected[i] / counts[i / w], mean[i], 1e-5, "element " + i);
        }
    }

    /**
     * Every hook point of a layer and the global ones: those laid out [B, T, ...] (embeddings broadcast to the batch,
     * per-head q/k/v/z, the MLP's 4C, the logits) average to the mean of single runs position by position; the
     * attention scores and pattern ([B, NH, T, T]) are refused in one line naming the hook, wherever a set mean is
     * made or used.
     */
    @Test
    void setMeansFollowEachHooksLayoutOrRefuseIt() {
        List<String> names = new java.util.ArrayList<>(List.of(HookPoint.EMBED, HookPoint.POS_EMBED, HookPoint.LN_FINAL,
                HookPoint.LOGITS));
        for (String point : HookPoint.BLOCK_POINTS) {
            names.add(HookPoint.block(1, point));
        }
        List<String> laidOut = names.stream().filter(HookPoint::batchThenPosition).toList();
        assertEquals(names.size() - 2, laidOut.size(), "all but scores and pattern are [B, T, ...]");
        int maxT = set.maxLength();
        java.util.Map<String, double[]> expected = new java.util.HashMap<>();
        long[] counts = new long[maxT];
        for (Prompt p : set.prompts()) {
            try (Gpt2.Run run = model.run(p.ids(), laidOut)) {
                for (String name : laidOut) {
                    float[] v = run.cache().get(name).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(); // [1, T, ...]
                    double[] sum = expected.computeIfAbsent(name, n -> new double[v.length / p.length() * maxT]);
                    for (int i = 0; i < v.length; i++) {
                        sum[i] += v[i];
                    }
                }
            }
            for (int t = 0; t < p.length(); t++) {
                counts[t]++;
            }
        }
        PromptBatches batches = new PromptBatches(model, 3, () -> false);
        for (String name : laidOut) {
            PromptActivationSums sums = batches.sums(set, name, false, List.of());
            assertArrayEquals(counts, sums.counts(), name);
            double[] mean = sums.mean();
            double[] sum = expected.get(name);
            int w = sum.length / maxT;
            assertEquals(sum.length, mean.length, name);
            double worst = 0;
            for (int i = 0; i < mean.length; i++) {
                worst = Math.max(worst, Math.abs(sum[i] / counts[i / w] - mean[i]) / Math.max(1, Math.abs(mean[i])));
            }
            assertTrue(worst < 1e-5, name + ": largest difference from the mean of singles " + worst);
        }
        for (String refused : names.stream().filter(n -> !HookPoint.batchThenPosition(n)).toList()) {
            var e = assertThrows(IllegalArgumentException.class, () -> batches.sums(set, refused, false, List.of()), refused);
            assertTrue(e.getMessage().contains(refused) && e.getMessage().contains("[B, NH, T, T]") && !e.getMessage().contains("\n"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new PromptActivationSums(refused, new long[] {4, 15}, new double[15 * 60], new long[15]), refused);
            assertTrue(e.getMessage().contains(refused), e.getMessage());
        }
        assertTrue(model.hooks().isEmpty());
    }

    @Test
    void meanAblationOverTheSetEqualsSinglesWithTheSameIntervention() {
        PromptBatches batches = new PromptBatches(model, 3, () -> false);
        PromptActivationSums z = batches.sums(set, "z1", false, List.of());
        Intervention ablate = z.ablation(2, -1);
        PromptScores clean = batches.scores(set, false, List.of());
        PromptScores ablated = batches.scores(set, false, List.of(ablate));
        for (int i = 0; i < set.size(); i++) {
            float[] lp;
            try (Hooks.Scope s = model.hooks().scope()) {
                jlens.intervene.Interventions.register(s, List.of(ablate), () -> 0);
                lp = single(set.get(i).ids());
            }
            assertEquals(lp[(int) set.get(i).answerId()], ablated.rows().get(i).answerLogprob(), TOLERANCE);
        }
        assertNotEquals(clean.sums().answerLogprob().mean(), ablated.sums().answerLogprob().mean(), "mean ablation changes something");
        Intervention one = z.ablation(-1, 3);
        PromptScores atThree = batches.scores(set, false, List.of(one));
        try (Hooks.Scope s = model.hooks().scope()) {
            jlens.intervene.Interventions.register(s, List.of(one), () -> 0);
            assertEquals(single(set.get(0).ids())[(int) set.get(0).answerId()], atThree.rows().get(0).answerLogprob(), TOLERANCE);
        }
    }

    @Test
    void aMeanOverTheSetGoesThroughTheCaptureBudgetAndCancels() {
        long budget = model.captureBudgetBytes();
        try {
            model.setCaptureBudgetBytes(100);
            CaptureTooLargeException e = assertThrows(CaptureTooLargeException.class,
                    () -> new PromptBatches(model).sums(set, "resid_post 2", false, List.of()));
            assertTrue(e.getMessage().contains("budget"), e.getMessage());
        } finally {
            model.setCaptureBudgetBytes(budget);
        }
        assertThrows(CancellationException.class, () -> new PromptBatches(model, 2, () -> true).scores(set, false, List.of()));
        assertTrue(model.hooks().isEmpty());
        var e = assertThrows(IllegalArgumentException.class, () -> new PromptBatches(model).sums(set, "pattern 1", false, List.of()));
        assertTrue(e.getMessage().contains("hook_z"), e.getMessage());
    }
}
