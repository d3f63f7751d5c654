package jlens.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Hooks change only the pass they run in, go away with their scope, and captures respect the budget. */
class HookedRunTest {
    private static Gpt2 model;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] logits(NDManager m) {
        return model.forward(Fixture.tokenIds(), m).toFloatArray();
    }

    @Test
    void cleanAblatedCleanGivesIdenticalCleanLogits() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] clean = logits(m);
            float[] ablated;
            try (Hooks.Scope scope = model.hooks().scope()) {
                scope.add("z1", (name, z) -> z.zerosLike());
                ablated = logits(m);
            }
            float[] again = logits(m);
            assertFalse(java.util.Arrays.equals(clean, ablated), "zeroing every head of layer 1 changes the logits");
            assertArrayEquals(clean, again, "weights untouched by a hooked run");
        }
    }

    @Test
    void hooksAreGoneAfterAnExceptionInTheirScope() {
        RuntimeException boom = assertThrows(RuntimeException.class, () -> {
            try (Hooks.Scope scope = model.hooks().scope()) {
                scope.add("blocks.0.attn.hook_z", (name, z) -> z.zerosLike());
                scope.add("resid_post 2", (name, x) -> {
                    throw new IllegalStateException("boom");
                });
                assertEquals(2, model.hooks().names().size());
                try (NDManager m = NDManager.newBaseManager()) {
                    model.forward(Fixture.tokenIds(), m);
                }
            }
        });
        assertEquals("boom", boom.getMessage());
        assertTrue(model.hooks().isEmpty());
    }

    @Test
    void readingHookSeesEveryPointInForwardOrderWithTheRightShapes() {
        List<String> all = HookPoint.all(model.config().nLayer());
        java.util.List<String> seen = new java.util.ArrayList<>();
        int t = Fixture.tokenIds().length;
        Gpt2Config c = model.config();
        try (Hooks.Scope scope = model.hooks().scope(); NDManager m = NDManager.newBaseManager()) {
            for (String name : all) {
                scope.add(name, (n, x) -> {
                    seen.add(n);
                    assertEquals(new ai.djl.ndarray.types.Shape(HookPoint.shape(n, 1, t, c.nHead(), c.nEmbd(), c.vocabSize())),
                            x.getShape(), n);
                    return null;
                });
            }
            model.forward(Fixture.tokenIds(), m);
        }
        assertEquals(all, seen);
    }

    @Test
    void attentionScoresAreScaledAndCausallyMasked() {
        try (Gpt2.Run run = model.run(Fixture.tokenIds(), List.of("scores 0", "q0", "k0", "pattern 0"))) {
            NDArray scores = run.cache().get("scores 0"); // [1, NH, T, T]
            NDArray q = run.cache().get("q0").get(new NDIndex("0, :, 1, :")); // [T, HS] of head 1
            NDArray k = run.cache().get("k0").get(new NDIndex("0, :, 1, :")); // [T, HS]
            float expected = q.get(5).dot(k.get(3)).getFloat() / (float) Math.sqrt(model.config().dHead());
            assertEquals(expected, scores.getFloat(0, 1, 5, 3), 1e-4);
            assertEquals(Float.NEGATIVE_INFINITY, scores.getFloat(0, 1, 3, 5));
            assertEquals(0f, run.cache().get("pattern 0").getFloat(0, 1, 3, 5));
            float rowSum = run.cache().get("pattern 0").get(new NDIndex("0, 1, 7, :")).sum().getFloat();
            assertEquals(1f, rowSum, 1e-5);
        }
    }

    @Test
    void captureOverTheBudgetIsRefusedBeforeThePass() {
        long saved = model.captureBudgetBytes();
        try {
            List<String> everything = HookPoint.all(model.config().nLayer());
            long needed = model.captureBytes(everything, Fixture.tokenIds().length);
            model.setCaptureBudgetBytes(needed - 1);
            CaptureTooLargeException e = assertThrows(CaptureTooLargeException.class,
                    () -> model.run(Fixture.tokenIds(), everything));
            assertEquals(needed, e.bytes());
            assertTrue(e.getMessage().contains("hook fewer points"), e.getMessage());
            assertTrue(model.hooks().isEmpty());
            model.setCaptureBudgetBytes(needed);
            try (Gpt2.Run run = model.run(Fixture.tokenIds(), everything)) {
                assertEquals(everything.size(), run.cache().size());
                assertEquals(needed, run.cache().bytes(), "estimate equals what was captured");
            }
        } finally {
            model.setCaptureBudgetBytes(saved);
        }
    }

    @Test
    void textLongerThanTheContextIsRefused() {
        String longText = "word ".repeat(model.config().nPositions() + 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.tokenizer().encode(longText));
        assertTrue(e.getMessage().contains("longer than the model's context of " + model.config().nPositions()), e.getMessage());
        assertNotEquals(-1, model.tokenizer().endOfTextId());
        assertEquals(50256, model.tokenizer().endOfTextId());
    }

    @Test
    void tokenizerGivesStringsPiecesAndDecodes() {
        long[] ids = Fixture.tokenIds();
        String[] tokens = model.tokenizer().tokenStrings(ids);
        String[] pieces = model.tokenizer().pieces(ids);
        assertEquals("Be", tokens[0]);
        assertEquals("Ġwho", tokens[1]);
        assertEquals(" who", pieces[1]);
        assertEquals("\n", pieces[10]);
        assertEquals(Fixture.text(), model.tokenizer().decode(ids));
        assertEquals(Fixture.text(), String.join("", pieces));
    }
    @Test
    void aRunWithOnePositionsLogitsMatchesTheWholeRunThereAndItsHooksStillSeeEveryPosition() {
        long[] ids = Fixture.tokenIds();
        int t = ids.length;
        int at = t - 2;
        try (Gpt2.Run whole = model.run(ids, List.of("resid_pre 1")); Gpt2.Run one = model.run(ids, List.of("resid_pre 1"), at)) {
            assertEquals(List.of(1L, 1L, (long) model.config().vocabSize()), List.of(one.logits().getShape().getShape()[0],
                    one.logits().getShape().getShape()[1], one.logits().getShape().getShape()[2]));
            assertArrayEquals(whole.logits().get(new NDIndex("0, {}", at)).toFloatArray(), one.logits().get(0, 0).toFloatArray(), 1e-5f);
            assertArrayEquals(whole.cache().get("blocks.1.hook_resid_pre").toFloatArray(),
                    one.cache().get("blocks.1.hook_resid_pre").toFloatArray());
        }
        // a hook on ln_final (here a capture) sees every position, and the logits are still the one position's
        try (Gpt2.Run one = model.run(ids, List.of(HookPoint.LN_FINAL), at)) {
            assertEquals(t, one.cache().get(HookPoint.LN_FINAL).getShape().get(1));
            assertEquals(1, one.logits().getShape().get(1));
        }
        assertThrows(IllegalArgumentException.class, () -> model.run(ids, List.of(), t));
        assertThrows(IllegalArgumentException.class, () -> model.run(ids, List.of(), -2));
    }
}
