package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import jlens.Fixture;
import jlens.analysis.Metric;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine's fast path against its oracle (one full pass per experiment), for every kind of value at every hook
 * point: the global ones, every block point (the per-head result and the attention scores and pattern included),
 * with cells at single positions (before, at and after the read-out), a head at every position, every cell, and
 * batches small enough to split; then with changes in force and several changes per experiment.
 */
class EngineOracleTest {
    private static Gpt2 model;
    private static Gpt2Config config;
    private static long[] ids;
    private static long[] other;

    /** What goes in, one kind each. */
    enum Kind { ZERO, SCALE, ADD, ADD_BY_POSITION, PUT_BY_POSITION, FROM_RUN, MEAN_OF_RUN, FUNCTION }

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        config = model.config();
        ids = Fixture.tokenIds();
        other = ids.clone();
        for (int i = 3; i < other.length; i += 2) {
            other[i] = ids[ids.length - 1 - i]; // the same first three tokens, then another text of the same length
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static Stream<Arguments> sitesAndKinds() {
        List<String> hooks = new ArrayList<>(List.of(HookPoint.EMBED, HookPoint.POS_EMBED));
        for (String point : HookPoint.BLOCK_POINTS) {
            hooks.add(HookPoint.block(1, point));
        }
        hooks.add(HookPoint.LN_FINAL);
        hooks.add(HookPoint.LOGITS);
        List<Arguments> out = new ArrayList<>();
        for (String hook : hooks) {
            for (Kind kind : Kind.values()) {
                if (HookPoint.batchThenPosition(hook) || !takesATable(kind)) {
                    out.add(Arguments.of(hook, kind));
                }
            }
        }
        return out.stream();
    }

    private static boolean takesATable(Kind kind) {
        return kind == Kind.ADD || kind == Kind.ADD_BY_POSITION || kind == Kind.PUT_BY_POSITION || kind == Kind.MEAN_OF_RUN;
    }

    @ParameterizedTest
    @MethodSource("sitesAndKinds")
    void fastPathEqualsTheOracle(String hook, Kind kind) {
        Value value = value(hook, kind);
        List<Experiment> list = new ArrayList<>();
        Readout logprob = Readout.of(Metric.logprob(ids[ids.length - 1], -2));
        Readout diff = Readout.of(Metric.logitDiff(ids[3], ids[5], -1));
        list.add(Experiment.plain(ids, logprob));
        List<Cells> cells = cells(hook);
        for (int c = 0; c < cells.size(); c++) { // two read-outs: two positions q, two batches for one window
            Intervention change = new Intervention(hook, cells.get(c), value);
            list.add(new Experiment(ids, List.of(change), c % 2 == 0 ? logprob : diff));
        }
        list.add(new Experiment(ids, List.of(new Intervention(hook, Cells.ALL, value)), diff));
        assertAgree(List.of(), list, hook + " " + kind);
    }

    @Test
    void changesInForceAndSeveralChangesPerExperimentAgreeToo() {
        Value.Table steer = Value.Table.of(floats(config.nEmbd(), 7));
        List<Intervention> standing = List.of(
                new Intervention(HookPoint.block(0, HookPoint.RESID_PRE), Cells.ALL, Value.add(steer, 2.0, "a vector")),
                new Intervention(HookPoint.block(2, HookPoint.Z), Cells.head(1), Value.zero()));
        Readout logprob = Readout.of(Metric.logprob(ids[ids.length - 1], -2));
        Value fromOther = Value.fromRun(other);
        List<Experiment> list = new ArrayList<>(List.of(Experiment.plain(ids, logprob), Experiment.plain(other, logprob)));
        for (int l = 0; l < config.nLayer(); l++) {
            for (int p : new int[] {2, 5, ids.length - 2}) {
                list.add(new Experiment(ids, List.of(new Intervention(HookPoint.block(l, HookPoint.RESID_MID), Cells.at(p), fromOther),
                        new Intervention(HookPoint.block(config.nLayer() - 1, HookPoint.Q), Cells.of(2, p + 1), Value.scale(3))),
                        logprob));
                list.add(new Experiment(other, List.of(new Intervention(HookPoint.block(l, HookPoint.Z), Cells.of(0, p),
                        Value.fromRun(ids))), logprob)); // the other direction, in the same call
            }
        }
        assertAgree(standing, list, "changes in force");
        Experiments.Outcome withSteer = Experiments.run(model, standing, list.subList(0, 1), SweepOptions.defaults());
        Experiments.Outcome without = Experiments.run(model, List.of(), list.subList(0, 1), SweepOptions.defaults());
        assertTrue(Math.abs(withSteer.value(0) - without.value(0)) > 1e-3, "the changes in force change the plain run");
    }

    /**
     * Re-routed senders ({@link Value.Senders}: a sender's value in another run minus its value in this very pass) at a
     * per-head input, the MLP's input and the final residual, in rows that also change what comes before (so this
     * pass's senders are not the plain run's), with different senders per row and batches small enough to split.
     */
    @Test
    void reroutedSendersAgreeWithTheOracle() {
        int nh = config.nHead();
        Readout diff = Readout.of(Metric.logitDiff(ids[3], ids[5], -1));
        List<Value.Sender> senders = List.of(new Value.Sender(HookPoint.EMBED, -1),
                new Value.Sender(HookPoint.block(0, HookPoint.RESULT), 2), new Value.Sender(HookPoint.block(0, HookPoint.RESULT), 0),
                new Value.Sender(HookPoint.block(1, HookPoint.MLP_OUT), -1));
        List<Experiment> list = new ArrayList<>(List.of(Experiment.plain(ids, diff)));
        for (int row = 0; row < 6; row++) {
            float[] perHead = new float[senders.size() * nh];
            float[] whole = new float[senders.size()];
            for (int i = 0; i < senders.size(); i++) {
                whole[i] = (i + row) % 3 == 0 ? 0 : 1;
                for (int h = 0; h < nh; h++) {
                    perHead[i * nh + h] = (i + h + row) % 2;
                }
            }
            List<Intervention> changes = new ArrayList<>();
            if (row % 2 == 1) { // an earlier change: this pass's senders then differ from the plain run's
                changes.add(new Intervention(HookPoint.block(0, HookPoint.Z), Cells.of(2, 4), Value.scale(-2)));
            }
            String[] inputs = {HookPoint.Q_INPUT, HookPoint.K_INPUT, HookPoint.V_INPUT};
            changes.add(new Intervention(HookPoint.block(2, inputs[row % 3]), Cells.ALL, new Value.Senders(other, senders, perHead, "row " + row)));
            changes.add(new Intervention(HookPoint.block(1, HookPoint.MLP_IN), Cells.ALL, new Value.Senders(other, senders.subList(0, 3),
                    java.util.Arrays.copyOf(whole, 3), "mlp " + row)));
            if (row >= 3) {
                changes.add(new Intervention(HookPoint.block(2, HookPoint.RESID_POST), Cells.ALL, new Value.Senders(other, senders, whole, "end")));
            }
            list.add(new Experiment(ids, changes, diff));
        }
        assertAgree(List.of(), list, "re-routed senders");
    }

    /** Read-outs of activations: rows changed before, at and after the layer read, and the plain run's own. */
    @Test
    void activationReadoutsAgreeWithTheOracle() {
        Readout read = Readout.activations(List.of(HookPoint.block(1, HookPoint.Q), HookPoint.block(2, HookPoint.RESID_PRE)));
        List<Experiment> list = new ArrayList<>(List.of(Experiment.plain(ids, read)));
        list.add(new Experiment(ids, List.of(new Intervention(HookPoint.block(0, HookPoint.Z), Cells.of(1, 6), Value.fromRun(other))), read));
        list.add(new Experiment(ids, List.of(new Intervention(HookPoint.block(1, HookPoint.Q_INPUT), Cells.of(3, 2), Value.zero())), read));
        list.add(new Experiment(ids, List.of(new Intervention(HookPoint.block(1, HookPoint.MLP_OUT), Cells.at(9), Value.scale(0.5))), read));
        list.add(new Experiment(ids, List.of(new Intervention(HookPoint.block(2, HookPoint.Z), Cells.ALL, Value.zero())), read)); // after both
        list.add(new Experiment(ids, List.of(new Intervention(HookPoint.EMBED, Cells.at(ids.length - 2), Value.fromRun(other))), read));
        Experiments.Outcome naive = Experiments.run(model, List.of(), list, SweepOptions.defaults().withNaive(true));
        for (SweepOptions options : new SweepOptions[] {SweepOptions.defaults(), SweepOptions.defaults().withMaxBatchRows(5)}) {
            Experiments.Outcome fast = Experiments.run(model, List.of(), list, options);
            for (int i = 0; i < list.size(); i++) {
                double[] n = naive.values()[i];
                double[] f = fast.values()[i];
                assertEquals(n.length, f.length);
                double worst = 0;
                for (int k = 0; k < n.length; k++) {
                    worst = Math.max(worst, Math.abs(n[k] - f[k]));
                }
                assertTrue(worst < 1e-4, "experiment " + i + " differs by " + worst);
            }
            assertTrue(maxDiff(naive.values()[0], naive.values()[1]) > 1e-3, "a change before the layer read shows in it");
            assertEquals(0, maxDiff(naive.values()[0], naive.values()[4]), 1e-6, "a change after it does not");
        }
    }

    private static double maxDiff(double[] a, double[] b) {
        double worst = 0;
        for (int k = 0; k < a.length; k++) {
            worst = Math.max(worst, Math.abs(a[k] - b[k]));
        }
        return worst;
    }

    @Test
    void theHookPointsLayoutDecidesWhatItTakes() {
        Value.Table row = Value.Table.of(floats(config.nEmbd(), 1));
        IllegalArgumentException pattern = assertThrows(IllegalArgumentException.class,
                () -> new Intervention(HookPoint.block(0, HookPoint.PATTERN), Cells.ALL, Value.add(row, 1, "v")).check(config));
        assertTrue(pattern.getMessage().contains("[B, NH, T, T]"), pattern.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> new Intervention(HookPoint.block(0, HookPoint.Z), Cells.ALL, Value.add(Value.Table.of(new float[5]), 1, "v"))
                        .check(config));
        assertTrue(width.getMessage().contains("32 values per position"), width.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Intervention(HookPoint.block(0, HookPoint.RESID_PRE), Cells.head(0), Value.zero()).check(config));
        assertThrows(IllegalArgumentException.class,
                () -> new Intervention(HookPoint.block(0, HookPoint.Z), Cells.head(config.nHead()), Value.zero()).check(config));
    }

    /** Single positions before, at and after the read-out (q = T-2 or T-1), a head everywhere, and every cell. */
    private static List<Cells> cells(String hook) {
        int t = ids.length;
        boolean heads = HookPoint.headAxis(hook) >= 0;
        List<Cells> out = new ArrayList<>();
        for (int p : new int[] {0, 3, t - 3, t - 2, t - 1}) {
            out.add(heads ? Cells.of(1, p) : Cells.at(p));
        }
        if (heads) {
            out.add(Cells.head(2));
            out.add(new Cells(new int[] {4, 6}, new int[] {0, 3}));
        }
        out.add(Cells.ALL);
        return out;
    }

    private static Value value(String hook, Kind kind) {
        long[] shape = HookPoint.shape(hook, 1, ids.length, config.nHead(), config.nEmbd(), config.vocabSize());
        int width = (int) Arrays.stream(shape).skip(2).reduce(1, (a, b) -> a * b);
        float[][] rows = new float[ids.length][];
        for (int p = 0; p < rows.length; p++) {
            rows[p] = floats(width, 100 + p);
        }
        return switch (kind) {
            case ZERO -> Value.zero();
            case SCALE -> Value.scale(0.25);
            case ADD -> Value.add(Value.Table.of(floats(width, 3)), 1.5, "a vector");
            case ADD_BY_POSITION -> Value.add(Value.Table.byPosition(rows), -2, "a vector per position");
            case PUT_BY_POSITION -> new Value.Put(Value.Table.byPosition(rows), "values per position");
            case FROM_RUN -> Value.fromRun(other);
            case MEAN_OF_RUN -> Value.meanOfRun(ids);
            case FUNCTION -> new Value.Fn((a, start) -> ramp(a, start, hook), "a ramp by position");
        };
    }

    /**
     * {@code a * 0.5 + 0.1 * position}, by sequence position: the same function of each cell in a full pass, a window
     * or a cached step only if {@code start} is honoured.
     */
    private static NDArray ramp(NDArray a, int start, String hook) {
        int axis = HookPoint.positionAxis(hook);
        long w = a.getShape().get(axis);
        long[] dims = new long[a.getShape().dimension()];
        Arrays.fill(dims, 1);
        dims[axis] = w;
        NDArray positions = a.getManager().arange(start, start + w).toType(a.getDataType(), false).reshape(new Shape(dims));
        return a.mul(0.5f).add(positions.mul(0.1f));
    }

    private static float[] floats(int n, long seed) {
        Random r = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) r.nextGaussian();
        }
        return out;
    }

    private static void assertAgree(List<Intervention> standing, List<Experiment> list, String what) {
        Experiments.Outcome naive = Experiments.run(model, standing, list, SweepOptions.defaults().withNaive(true));
        for (SweepOptions options : new SweepOptions[] {SweepOptions.defaults(), SweepOptions.defaults().withMaxBatchRows(5)}) {
            Experiments.Outcome fast = Experiments.run(model, standing, list, options);
            assertFalse(fast.naive());
            assertTrue(naive.naive());
            boolean anyEffect = false;
            for (int i = 0; i < list.size(); i++) {
                double n = naive.value(i);
                double f = fast.value(i);
                if (Double.isNaN(n)) {
                    assertTrue(Double.isNaN(f), what + " experiment " + i + ": the oracle's NaN");
                    continue;
                }
                assertEquals(n, f, 1e-4 * Math.max(1, Math.abs(n)), what + " experiment " + i + " ("
                        + list.get(i).interventions().stream().map(Intervention::describe).toList() + ")");
                anyEffect |= Math.abs(n - naive.value(0)) > 1e-3;
            }
            assertTrue(anyEffect, what + ": some experiment changes the read-out (else the comparison proves little)");
        }
    }
}
