package jlens.intervene.prompts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jlens.Fixture;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A padded batch gives each prompt, at its real positions, what running it alone gives. */
class BatchForwardTest {
    /** Batched and single passes add the same numbers in another order (the batch has more rows per product). */
    static final double TOLERANCE = 1e-4;
    private static final List<String> CAPTURED = List.of("blocks.0.attn.hook_pattern", "blocks.1.attn.hook_z",
            "blocks.2.hook_resid_post", "hook_pos_embed");

    private static Gpt2 model;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Prompts of mixed lengths, from different parts of the fixture's text. */
    private static List<long[]> prompts() {
        long[] ids = Fixture.tokenIds();
        return List.of(java.util.Arrays.copyOfRange(ids, 0, 5), java.util.Arrays.copyOfRange(ids, 3, 15),
                java.util.Arrays.copyOfRange(ids, 20, 29), java.util.Arrays.copyOfRange(ids, 7, 8),
                java.util.Arrays.copyOfRange(ids, 1, 13));
    }

    @Test
    void leftPaddedBatchEqualsSingles() {
        checkAgainstSingles(BatchPadding.LEFT);
    }

    @Test
    void rightPaddedBatchEqualsSingles() {
        checkAgainstSingles(BatchPadding.RIGHT);
    }

    private void checkAgainstSingles(BatchPadding side) {
        BatchInput in = new BatchInput(prompts(), side, model.tokenizer().endOfTextId());
        assertTrue(in.padded());
        try (NDManager m = model.manager().newSubManager()) {
            Map<String, NDArray> batch = new LinkedHashMap<>();
            NDArray logits; // [B, W, V]
            NDArray last; // [B, V]
            try (Hooks.Scope scope = model.hooks().scope()) {
                capture(scope, batch, m);
                logits = BatchForward.logits(model, in, model.hooks(), m);
                last = BatchForward.lastLogits(model, in, model.hooks(), m);
            }
            for (int b = 0; b < in.size(); b++) {
                long[] p = in.prompts().get(b);
                Map<String, NDArray> single = new LinkedHashMap<>();
                NDArray alone; // [1, T, V]
                try (Hooks.Scope scope = model.hooks().scope()) {
                    capture(scope, single, m);
                    alone = model.forward(p, m);
                }
                for (int i = 0; i < p.length; i++) {
                    int c = in.column(b, i);
                    assertClose(alone.get("0, {}", i), logits.get("{}, {}", b, c), "logits " + b + "," + i);
                    for (String name : CAPTURED) {
                        if (name.endsWith("pattern")) {
                            for (int j = 0; j < p.length; j++) { // real keys: the single pass's pattern
                                assertClose(single.get(name).get("0, :, {}, {}", i, j),
                                        batch.get(name).get("{}, :, {}, {}", b, c, in.column(b, j)), name);
                            }
                            float padded = batch.get(name).get("{}, :, {}, :", b, c).sum().getFloat()
                                    - single.get(name).get("0, :, {}, :", i).sum().getFloat();
                            assertEquals(0, padded, 1e-4, "no attention on padding");
                        } else {
                            assertClose(single.get(name).get("0, {}", i), batch.get(name).get("{}, {}", b, c), name + " " + b + "," + i);
                        }
                    }
                }
                assertClose(alone.get("0, {}", p.length - 1), last.get("{}", b), "last logits " + b);
            }
        }
    }

    private static void capture(Hooks.Scope scope, Map<String, NDArray> into, NDManager keep) {
        for (String name : CAPTURED) {
            scope.add(name, (n, a) -> {
                NDArray copy = a.duplicate();
                copy.attach(keep);
                into.put(n, copy);
                return null;
            });
        }
    }

    private static void assertClose(NDArray expected, NDArray actual, String what) {
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], TOLERANCE, what + " [" + i + "]");
        }
    }

    @Test
    void positionsCountFromEachPromptsFirstRealToken() {
        BatchInput left = new BatchInput(List.of(new long[] {1, 2, 3}, new long[] {4}), BatchPadding.LEFT, 0);
        assertArrayEquals(new long[] {1, 2, 3, 0, 0, 4}, left.ids());
        assertArrayEquals(new long[] {0, 1, 2, 0, 0, 0}, left.positions());
        assertArrayEquals(new boolean[] {true, true, true, false, false, true}, left.mask());
        assertEquals(2, left.lastColumn(1));
        BatchInput right = new BatchInput(List.of(new long[] {1, 2, 3}, new long[] {4}), BatchPadding.RIGHT, 0);
        assertArrayEquals(new long[] {1, 2, 3, 4, 0, 0}, right.ids());
        assertArrayEquals(new long[] {0, 1, 2, 0, 1, 1}, right.positions());
        assertEquals(0, right.lastColumn(1));
    }

    @Test
    void anUnpaddedBatchIsAPlainBatchedPass() {
        long[] ids = Fixture.tokenIds();
        List<long[]> same = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            same.add(java.util.Arrays.copyOfRange(ids, k, k + 20));
        }
        BatchInput in = new BatchInput(same, BatchPadding.LEFT, 0);
        try (NDManager m = model.manager().newSubManager()) {
            NDArray logits = BatchForward.logits(model, in, model.hooks(), m);
            for (int b = 0; b < 4; b++) {
                assertClose(model.forward(same.get(b), m).get(0), logits.get(b), "prompt " + b);
            }
        }
    }

    @Test
    void promptsOverTheContextAreRefused() {
        long[] longer = new long[model.config().nPositions() + 1];
        var e = assertThrows(IllegalArgumentException.class, () -> {
            try (NDManager m = model.manager().newSubManager()) {
                BatchForward.logits(model, new BatchInput(List.of(longer, new long[] {1}), BatchPadding.LEFT, 0), model.hooks(), m);
            }
        });
        assertTrue(e.getMessage().contains("context of " + model.config().nPositions()), e.getMessage());
    }
}
