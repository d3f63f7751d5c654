package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import jlens.Fixture;
import jlens.hook.Hooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-head inputs ({@code hook_q_input}, {@code hook_k_input}, {@code hook_v_input}, TransformerLens's
 * {@code use_split_qkv_input}) and the MLP's own input ({@code hook_mlp_in}): computed only in a pass that hooks
 * them, equal to the fused pass when unchanged, and a change there reaches one head's query (or the MLP) alone.
 */
class HeadInputTest {
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
    void unchangedHeadInputsGiveThePlainPass() {
        long[] ids = Fixture.tokenIds();
        try (Gpt2.Run plain = model.run(ids, List.of("resid_pre 1", "q1", "k1", "v1"));
             Gpt2.Run split = model.run(ids, List.of("q_input 1", "k_input 1", "v_input 1", "mlp_in 1", "q1", "k1", "v1",
                     "resid_mid 1"))) {
            NDArray qIn = split.cache().get("q_input 1"); // [1, T, NH, C]
            assertEquals(new Shape(1, ids.length, model.config().nHead(), model.config().nEmbd()), qIn.getShape());
            for (int h = 0; h < model.config().nHead(); h++) {
                assertEquals(0f, maxAbs(qIn.get(new NDIndex(":, :, {}, :", h)), plain.cache().get("resid_pre 1")),
                        "each head's input is the residual stream");
            }
            for (String point : new String[] {"q1", "k1", "v1"}) {
                assertTrue(maxAbs(split.cache().get(point), plain.cache().get(point)) < 1e-5, point + " through the heads' own inputs");
            }
            assertEquals(0f, maxAbs(split.cache().get("mlp_in 1"), split.cache().get("resid_mid 1")));
            assertTrue(maxAbs(split.logits(), plain.logits()) < 1e-4);
        }
    }

    @Test
    void aChangeAtOneHeadsQueryInputReachesThatHeadsQueryAlone() {
        long[] ids = Fixture.tokenIds();
        try (NDManager m = model.manager().newSubManager(); Gpt2.Run plain = model.run(ids, List.of("q1", "k1", "v1"))) {
            NDArray[] seen = new NDArray[3];
            try (Hooks.Scope scope = model.hooks().scope()) {
                scope.add("q_input 1", (name, a) -> {
                    NDArray out = a.duplicate();
                    NDArray ramp = a.getManager().arange(0f, (float) a.getShape().get(3)).mul(0.1f).sin(); // LayerNorm would undo a scale
                    out.set(new NDIndex(":, :, 2, :"), a.get(new NDIndex(":, :, 2, :")).add(ramp));
                    return out;
                });
                scope.add("q1", record(seen, 0, m));
                scope.add("k1", record(seen, 1, m));
                scope.add("v1", record(seen, 2, m));
                model.forward(ids, m);
            }
            int nh = model.config().nHead();
            for (int h = 0; h < nh; h++) {
                NDIndex head = new NDIndex(":, :, {}, :", h);
                float dq = maxAbs(seen[0].get(head), plain.cache().get("q1").get(head));
                assertTrue(h == 2 ? dq > 1e-3 : dq < 1e-5, "head " + h + "'s query moved " + dq);
            }
            assertTrue(maxAbs(seen[1], plain.cache().get("k1")) < 1e-5, "keys unchanged");
            assertTrue(maxAbs(seen[2], plain.cache().get("v1")) < 1e-5, "values unchanged");
        }
    }

    /**
     * A vector added to every head's q, k and v input and to the MLP's input of a layer, and to its output, is the
     * same vector added to the residual stream entering the layer.
     */
    @Test
    void everyInputOfALayerChangedIsTheResidualChanged() {
        long[] ids = Fixture.tokenIds();
        int c = model.config().nEmbd();
        float[] v = new float[c];
        for (int i = 0; i < c; i++) {
            v[i] = (float) Math.sin(0.7 * i) * 0.8f;
        }
        try (NDManager m = model.manager().newSubManager()) {
            NDArray vec = m.create(v); // [C]
            NDArray viaResidual;
            try (Hooks.Scope scope = model.hooks().scope()) {
                scope.add("resid_pre 1", (name, a) -> a.add(vec));
                viaResidual = model.forward(ids, m);
            }
            NDArray viaInputs;
            try (Hooks.Scope scope = model.hooks().scope()) {
                for (String point : new String[] {"q_input 1", "k_input 1", "v_input 1", "mlp_in 1", "resid_post 1"}) {
                    scope.add(point, (name, a) -> a.add(vec));
                }
                viaInputs = model.forward(ids, m);
            }
            assertTrue(maxAbs(viaResidual, viaInputs) < 1e-4);
            assertTrue(maxAbs(viaResidual, model.forward(ids, m)) > 1e-2, "the vector matters");
        }
    }

    @Test
    void aChangeAtLn1StillReachesTheHeadsWhenTheirInputsAreHooked() {
        long[] ids = Fixture.tokenIds();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray plainScaled;
            try (Hooks.Scope scope = model.hooks().scope()) {
                scope.add("ln1 1", (name, a) -> a.mul(2f));
                plainScaled = model.forward(ids, m);
            }
            NDArray splitScaled;
            try (Hooks.Scope scope = model.hooks().scope()) {
                scope.add("ln1 1", (name, a) -> a.mul(2f));
                scope.add("k_input 1", (name, a) -> null); // read only: the heads now take inputs of their own
                splitScaled = model.forward(ids, m);
            }
            assertTrue(maxAbs(plainScaled, splitScaled) < 1e-4);
        }
    }

    private static jlens.hook.Hook record(NDArray[] into, int i, NDManager m) {
        return (name, a) -> {
            into[i] = a.duplicate();
            into[i].attach(m);
            return null;
        };
    }

    private static float maxAbs(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }
}
