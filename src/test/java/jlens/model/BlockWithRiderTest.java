package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** BlockWithRider, which the fast sweeps stand on: each batch gets what block() gives it alone. */
class BlockWithRiderTest {
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
    void leadAndRiderEqualSeparateBlocks() {
        long[] ids = Fixture.tokenIds();
        int t = ids.length;
        int start = 11;
        int c = model.config().nEmbd();
        int nLayer = model.config().nLayer();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray lead = model.embed(m.create(ids, new Shape(1, t)), 0, null); // [1, T, C]
            NDArray rider = lead.get(":, {}:, :", start).repeat(0, 3).add(m.randomNormal(new Shape(3, t - start, c))); // [3, W, C]
            Hooks leadHooks = new Hooks(HookPoint.all(nLayer), nLayer);
            Hooks riderHooks = new Hooks(HookPoint.all(nLayer), nLayer);
            List<String> order = new ArrayList<>();
            try (Hooks.Scope a = leadHooks.scope(); Hooks.Scope b = riderHooks.scope()) {
                a.add(HookPoint.block(1, HookPoint.Z), (name, z) -> {
                    order.add("lead");
                    return null;
                });
                b.add(HookPoint.block(1, HookPoint.Z), (name, z) -> {
                    order.add("rider");
                    return null;
                });
                for (int l = 0; l < nLayer; l++) {
                    BlockWithRider.Output both = BlockWithRider.run(model, l, lead, null, leadHooks, rider, start, riderHooks);
                    Gpt2.BlockOutput alone = model.block(l, lead, null, null);
                    NDArray k = alone.k().get(":, :, :{}, :", start);
                    NDArray v = alone.v().get(":, :, :{}, :", start);
                    Gpt2.BlockOutput riderAlone = model.block(l, rider, new Gpt2.KvPrefix(k, v), null);
                    assertClose(alone.residual(), both.lead().residual(), "lead, layer " + l);
                    assertClose(riderAlone.residual(), both.rider().residual(), "rider, layer " + l);
                    lead = alone.residual();
                    rider = riderAlone.residual();
                }
            }
            assertEquals(List.of("lead", "rider"), order, "the lead's hooks run first");
            NDArray wide = m.zeros(new Shape(2, t, c));
            assertThrows(IllegalArgumentException.class, () -> BlockWithRider.run(model, 0, wide, null, null, wide, 0, null));
        }
    }

    private static void assertClose(NDArray expected, NDArray actual, String what) {
        assertEquals(expected.getShape(), actual.getShape(), what);
        float max = expected.sub(actual).abs().max().getFloat();
        assertTrue(max < 1e-4f, what + ": max abs difference " + max);
    }
}
