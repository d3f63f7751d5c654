package jlens.workspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jlens.Fixture;
import jlens.analysis.NdData;
import jlens.analysis.Npy;
import jlens.hook.HookPoint;
import jlens.intervene.steering.Steering;
import jlens.intervene.steering.SteeringVector;
import jlens.intervene.generation.GenerationOptions;
import jlens.intervene.generation.GenerationResult;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Steering vectors in force on a workspace: the known answers of the issue, and every run honouring them. */
class SteeringInForceTest {
    private static final String A = "I love you and";
    private static final String B = "I hate you and";
    private Workspace ws;

    @BeforeEach
    void open() {
        ws = new Workspace(spec -> new LoadedModel(Gpt2.load(Fixture.dir()), "tiny-gpt2", null));
        ws.load("fixture");
        ws.text(Fixture.text());
    }

    @AfterEach
    void close() {
        ws.close();
    }

    private GenerationResult greedy() {
        return ws.generate(GenerationOptions.greedy(12));
    }

    private static void assertSameTokens(GenerationResult expected, GenerationResult actual, String what) {
        assertArrayEquals(expected.ids(), actual.ids(), what + ": the tokens");
        assertArrayEquals(expected.logprobs(), actual.logprobs(), 0.0, what + ": the log-probs, exactly");
    }

    @Test
    void coefficientZeroTheSamePromptTwiceAndAZeroVectorGiveTheUnsteeredTokensExactly(@TempDir Path tmp) throws Exception {
        GenerationResult plain = greedy();
        steer(Steering.actAdd(ws.model(), A, B, 1, 0.0, true));
        assertSameTokens(plain, greedy(), "coefficient 0");
        ws.interventions().clear();
        steer(Steering.actAdd(ws.model(), A, A, 1, 40.0, false));
        assertSameTokens(plain, greedy(), "v - v");
        ws.interventions().clear();
        Path zeros = tmp.resolve("zeros.npy");
        try (OutputStream out = Files.newOutputStream(zeros)) {
            Npy.write(out, NdData.of(new long[] {ws.config().nEmbd()}, new float[ws.config().nEmbd()]));
        }
        steer(Steering.fromFile(ws.model(), zeros, 2, 9.0));
        assertSameTokens(plain, greedy(), "a zero vector");
        ws.interventions().clear();
        steer(Steering.actAdd(ws.model(), A, B, 1, 40.0, false));
        GenerationResult steered = greedy();
        assertFalse(java.util.Arrays.equals(plain.logprobs(), steered.logprobs()), "a real vector steers (else this proves little)");
        ws.interventions().clear();
        assertSameTokens(plain, greedy(), "unsteered again");
    }

    @Test
    void frontPlacementChangesNothingPastTheSteeringLengthAtThatLayer() {
        int layer = 1;
        String name = HookPoint.block(layer, HookPoint.RESID_PRE);
        float[] plain = captured(name);
        SteeringVector v = steer(Steering.actAdd(ws.model(), A, B + " then", layer, 10.0, true));
        int p = (int) v.shape()[0];
        int c = ws.config().nEmbd();
        assertTrue(p > 1 && p < ws.ids().length, "the steering prompt is shorter than the text");
        float[] steered = captured(name);
        for (int i = 0; i < p * c; i++) {
            if (Math.abs(v.data()[i]) > 0) {
                assertEquals(plain[i] + 10.0f * v.data()[i], steered[i], 1e-4, "added at position " + i / c);
            }
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(plain, p * c, plain.length),
                java.util.Arrays.copyOfRange(steered, p * c, steered.length), 0f, "positions " + p + ".. are untouched");
        GenerationResult cached = greedy();
        GenerationResult naive = ws.generate(GenerationOptions.greedy(12).withNaive(true));
        assertArrayEquals(naive.ids(), cached.ids(), "a cached step past the front adds nothing, as a full pass");
        for (int i = 0; i < cached.logprobs().length; i++) {
            assertEquals(naive.logprobs()[i], cached.logprobs()[i], 1e-4);
        }
    }

    @Test
    void aChangeDropsTheLastRunAndEveryRunHonoursWhatIsInForce() {
        ws.capture("q1");
        ws.run();
        float[] before = ws.logits().toFloatArray();
        double lp = ws.logprobs(-2, 10).next().logProb();
        List<String> said = new ArrayList<>();
        ws.interventions().onChangesInForce(said::add);
        steer(Steering.actAdd(ws.model(), A, B, 1, 30.0, false)); // at layer 1: at layer 0 the two last tokens (" and") would be the same
        assertFalse(ws.hasRun(), "a change drops the run made without it");
        ws.run();
        assertFalse(java.util.Arrays.equals(before, ws.logits().toFloatArray()), "the run is steered");
        assertTrue(Math.abs(lp - ws.logprobs(-2, 10).next().logProb()) > 1e-3, "and so are the log-probs");
        assertTrue(said.get(0).startsWith("steering in force: #1 \"I love you and\" - \"I hate you and\""),
                said.get(0));
        assertTrue(ws.lens(-2, -1, 0, ws.ids().length - 1).rows().size() > 0);
        assertEquals(1, ws.interventions().entries().size());
        ws.interventions().remove(1);
        assertFalse(ws.hasRun());
        ws.run();
        assertArrayEquals(before, ws.logits().toFloatArray(), 0f, "unsteered, the same run again");
    }

    @Test
    void whatDoesNotFitIsRefusedInOneLine(@TempDir Path tmp) throws Exception {
        assertThrows(IllegalArgumentException.class, () -> steer(Steering.actAdd(ws.model(), A, B, 7, 1.0, true)));
        Path wrong = tmp.resolve("wrong.npy");
        try (OutputStream out = Files.newOutputStream(wrong)) {
            Npy.write(out, NdData.of(new long[] {5}, new float[5]));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> steer(Steering.fromFile(ws.model(), wrong, 1, 1.0)));
        assertTrue(e.getMessage().contains("[32] (d_model)"), e.getMessage());
        Path nan = tmp.resolve("nan.npy");
        float[] values = new float[32];
        values[3] = Float.NaN;
        try (OutputStream out = Files.newOutputStream(nan)) {
            Npy.write(out, NdData.of(new long[] {32}, values));
        }
        e = assertThrows(IllegalArgumentException.class, () -> steer(Steering.fromFile(ws.model(), nan, 1, 1.0)));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
        Path text = tmp.resolve("text.npy");
        Files.writeString(text, "not numpy");
        e = assertThrows(IllegalArgumentException.class, () -> steer(Steering.fromFile(ws.model(), text, 1, 1.0)));
        assertTrue(e.getMessage().contains("not a .npy file"), e.getMessage());
        assertTrue(ws.interventions().isEmpty(), "nothing half-added");
    }

    @Test
    void aVectorPerLayerGoesToEveryLayer(@TempDir Path tmp) throws Exception {
        int nLayer = ws.config().nLayer();
        int c = ws.config().nEmbd();
        float[] rows = new float[nLayer * c];
        rows[c + 4] = 2f; // only layer 1 gets something
        Path file = tmp.resolve("layers.npy");
        try (OutputStream out = Files.newOutputStream(file)) {
            Npy.write(out, NdData.of(new long[] {nLayer, c}, rows));
        }
        float[] plain = captured(HookPoint.block(1, HookPoint.RESID_PRE));
        float[] layer0 = captured(HookPoint.block(0, HookPoint.RESID_PRE));
        steer(Steering.fromFile(ws.model(), file, null, 3.0));
        assertEquals(nLayer, ws.interventions().all().size());
        float[] steered = captured(HookPoint.block(1, HookPoint.RESID_PRE));
        assertEquals(plain[4] + 6f, steered[4], 1e-5);
        assertArrayEquals(layer0, captured(HookPoint.block(0, HookPoint.RESID_PRE)), 0f);
        assertThrows(IllegalArgumentException.class, () -> steer(Steering.fromFile(ws.model(), file, 1, 1.0)));
    }

    /** Puts {@code v} in force and returns it. */
    private SteeringVector steer(SteeringVector v) {
        ws.steer(v);
        return v;
    }

    private float[] captured(String name) {
        ws.uncapture();
        ws.capture(name);
        ws.run();
        try (NDManager m = NDManager.newBaseManager()) {
            return ws.activation(name, m).toFloatArray();
        }
    }
}
