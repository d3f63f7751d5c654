package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import jlens.Fixture;
import jlens.hook.Hooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code attn.hook_result}, each head's output before the sum: computed only in a pass that hooks it, and then the
 * attention output is the sum of the heads' results plus the bias, equal to the one-product path.
 */
class HeadResultTest {
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
    void theHeadsResultsSumToTheAttentionOutputOfAPassWithoutThem() {
        int nLayer = model.config().nLayer();
        long[] ids = Fixture.tokenIds();
        try (Gpt2.Run plain = model.run(ids, List.of("attn_out 1", "attn_out 2"));
             Gpt2.Run split = model.run(ids, List.of("result 1", "attn_out 1", "result 2"))) {
            for (int l = 1; l < nLayer; l++) {
                NDArray result = split.cache().get("result " + l); // [1, T, NH, C]
                assertEquals(new ai.djl.ndarray.types.Shape(1, ids.length, model.config().nHead(), model.config().nEmbd()),
                        result.getShape());
                NDArray summed = result.sum(new int[] {2}).add(model.weights().blocks().get(l).projB()); // [1, T, C]
                assertTrue(maxAbs(summed, plain.cache().get("attn_out " + l)) < 1e-5, "layer " + l);
            }
            assertTrue(maxAbs(split.cache().get("attn_out 1"), plain.cache().get("attn_out 1")) < 1e-5,
                    "the attention output through the heads' results equals the one product");
            assertTrue(maxAbs(split.logits(), plain.logits()) < 1e-4, "and so do the logits");
        }
    }

    @Test
    void zeroingAHeadsResultIsZeroingItsZ() {
        long[] ids = Fixture.tokenIds();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray viaResult;
            NDArray viaZ;
            try (Hooks.Scope scope = model.hooks().scope()) {
                scope.add("result 1", (name, r) -> zeroHead2(r));
                viaResult = model.forward(ids, m);
            }
            try (Hooks.Scope scope = model.hooks().scope()) {
                scope.add("z1", (name, z) -> zeroHead2(z));
                viaZ = model.forward(ids, m);
            }
            assertTrue(maxAbs(viaResult, viaZ) < 1e-4);
            assertTrue(maxAbs(viaResult, model.forward(ids, m)) > 1e-3, "the head matters");
        }
    }

    /** A copy of a per-head activation {@code [1, T, NH, X]} with head 2 zeroed. */
    private static NDArray zeroHead2(NDArray a) {
        NDArray copy = a.duplicate();
        copy.set(new NDIndex(":, :, 2, :"), 0f);
        return copy;
    }

    private static float maxAbs(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }
}
