package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import jlens.Fixture;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The fast sweeps against the naive loop (one full pass per case) and the notebook's numbers. */
class AblationSweepTest {
    private static final double TOLERANCE = 1e-4;
    private static Gpt2 model;
    private static Gpt2Config config;
    private static long[] ids;
    private static long[] corrupt;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        config = model.config();
        ids = Fixture.tokenIds();
        corrupt = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            corrupt[i] = ids[ids.length - 1 - i]; // another text of the same length
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void notebookSweepMatchesReference() {
        JsonObject ablation = Fixture.reference().getAsJsonObject("ablation");
        double[] expected = Fixture.vector(ablation.get("logprob_target_per_layer"));
        SweepSpec spec = SweepSpec.layers(config, ids, Site.Z, ablation.get("head").getAsInt(),
                ablation.get("token").getAsInt());
        for (boolean naive : new boolean[] {false, true}) {
            SweepResult r = AblationSweep.run(model, spec, SweepOptions.defaults().withNaive(naive));
            double[] actual = r.byLayer();
            assertEquals(expected.length, actual.length);
            for (int l = 0; l < expected.length; l++) {
                assertEquals(expected[l], actual[l], 1e-3, (naive ? "naive" : "fast") + " layer " + l);
            }
            assertEquals(Fixture.reference().get("clean_logprob_target_at_pos_minus2").getAsDouble(), r.clean(), 1e-3);
        }
    }

    static Stream<Arguments> sitesAndKinds() {
        List<Arguments> out = new ArrayList<>();
        for (Site site : List.of(Site.Z, Site.RESID_PRE, Site.RESID_MID, Site.RESID_POST, Site.ATTN_OUT, Site.MLP_OUT)) {
            for (AblationKind kind : AblationKind.values()) {
                out.add(Arguments.of(site, kind));
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("sitesAndKinds")
    void layerSweepEqualsNaive(Site site, AblationKind kind) {
        assertFastEqualsNaive(withKind(SweepSpec.layers(config, ids, site, 1, -2), kind), SweepOptions.defaults());
    }

    @ParameterizedTest
    @MethodSource("sitesAndKinds")
    void positionSweepEqualsNaive(Site site, AblationKind kind) {
        assertFastEqualsNaive(withKind(someCases(SweepSpec.positions(config, ids, site, 1, 3)), kind), SweepOptions.defaults());
    }

    @Test
    void everyPositionEqualsNaive() {
        assertFastEqualsNaive(SweepSpec.positions(config, ids, Site.Z, 2, 1).withKind(AblationKind.MEAN),
                SweepOptions.defaults());
    }

    @Test
    void layerByPositionSweepsEqualNaiveWithSmallBatches() {
        // Batches of at most 7 rows split every start position's cases into several chunks.
        SweepOptions small = SweepOptions.defaults().withMaxBatchRows(7);
        assertFastEqualsNaive(someCases(SweepSpec.layersByPositions(config, ids, Site.RESID_PRE, 0)), small);
        assertFastEqualsNaive(someCases(SweepSpec.layersByPositions(config, ids, Site.Z, 3)).withPatchFrom(corrupt), small);
    }

    @ParameterizedTest
    @EnumSource(AblationKind.class)
    void gridEqualsNaive(AblationKind kind) {
        SweepResult fast = assertFastEqualsNaive(withKind(SweepSpec.grid(config, ids, -2), kind), SweepOptions.defaults());
        double[][] grid = fast.byLayerAndHead();
        assertEquals(config.nLayer(), grid.length);
        assertEquals(config.nHead(), grid[0].length);
    }

    @Test
    void otherPredictionPositionAndTarget() {
        SweepSpec spec = someCases(SweepSpec.positions(config, ids, Site.RESID_MID, 2, 0)).withPrediction(-1, 42);
        assertEquals(ids.length - 1, spec.predictAt());
        assertFastEqualsNaive(spec.withPatchFrom(corrupt), SweepOptions.defaults());
    }

    @Test
    void progressReachesTotalAndCancelStopsBetweenSteps() {
        SweepSpec spec = SweepSpec.grid(config, ids, -2);
        for (boolean naive : new boolean[] {false, true}) {
            List<int[]> seen = new ArrayList<>();
            AblationSweep.run(model, spec, SweepOptions.defaults().withNaive(naive)
                    .withProgress((done, total) -> seen.add(new int[] {done, total})));
            int[] last = seen.get(seen.size() - 1);
            assertEquals(last[1], last[0], "progress ends at its total");

            AtomicBoolean cancel = new AtomicBoolean();
            List<Integer> steps = new ArrayList<>();
            assertThrows(CancellationException.class, () -> AblationSweep.run(model, spec, SweepOptions.defaults()
                    .withNaive(naive).withCancel(cancel::get).withProgress((done, total) -> {
                        steps.add(done);
                        cancel.set(true);
                    })));
            assertEquals(List.of(1), steps, "stopped after the first step");
            assertTrue(model.hooks().isEmpty(), "no hook left behind");
        }
    }

    @Test
    void interruptCancels() {
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, () -> AblationSweep.run(model, SweepSpec.notebook(config, ids, 2)));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt flag stays set for the caller");
        }
    }

    @Test
    void refusesAModelWithHooks() {
        try (Hooks.Scope scope = model.hooks().scope()) {
            scope.add("blocks.0.attn.hook_q", (name, a) -> null);
            assertThrows(IllegalStateException.class, () -> AblationSweep.run(model, SweepSpec.notebook(config, ids, 2)));
        }
    }

    /**
     * A head whose values are NaN: the clean prediction is NaN, and zeroing that head's output in the last layer
     * at the prediction position makes it finite again. The fast path must overwrite as the naive loop does (a
     * product with a 0/1 mask kept the NaN: NaN * 0 is NaN).
     */
    @Test
    void aNanHeadZeroedGivesTheNaiveLoopsFiniteValue(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        int last = config.nLayer() - 1;
        try (Gpt2 nan = Gpt2.load(jlens.model.CheckpointFiles.nanHead(Fixture.dir(), tmp.resolve("nan"), last, 1))) {
            SweepSpec spec = SweepSpec.layers(nan.config(), ids, Site.Z, 1, ids.length - 2);
            SweepResult fast = AblationSweep.run(nan, spec);
            SweepResult naive = AblationSweep.run(nan, spec, SweepOptions.defaults().withNaive(true));
            assertTrue(Double.isNaN(naive.clean()) && Double.isNaN(fast.clean()));
            for (int l = 0; l < last; l++) {
                assertTrue(Double.isNaN(naive.byLayer()[l]) && Double.isNaN(fast.byLayer()[l]), "layer " + l);
            }
            assertTrue(Double.isFinite(naive.byLayer()[last]), "the naive loop's overwrite removes the NaN");
            assertEquals(naive.byLayer()[last], fast.byLayer()[last], TOLERANCE);
        }
    }

    @Test
    void specChecksItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> SweepSpec.notebook(config, ids, config.nHead()));
        assertThrows(IllegalArgumentException.class, () -> SweepSpec.layers(config, ids, Site.Z, 0, ids.length));
        assertThrows(IllegalArgumentException.class, () -> SweepSpec.notebook(config, ids, 0).withPatchFrom(new long[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> SweepSpec.notebook(config, new long[] {5}, 0));
        assertEquals(Site.RESID_PRE, Site.parse("hook_resid_pre"));
        assertEquals(Site.Z, Site.parse("attn.hook_z"));
        assertEquals(AblationKind.PATCH, AblationKind.parse("patch"));
    }

    /**
     * The spec's cases at a few positions that cover the edge cases: no prefix, a one-position prefix, the
     * middle, the last position before the prediction, the prediction (-2) and after it (cannot change it).
     * Keeps the naive loop's passes few, for a fast suite.
     */
    private static SweepSpec someCases(SweepSpec spec) {
        int t = ids.length;
        List<Integer> positions = List.of(0, 1, t / 2, t - 3, t - 2, t - 1);
        List<AblationCase> cases = spec.cases().stream().filter(c -> positions.contains(c.position())).toList();
        return new SweepSpec(spec.ids(), spec.site(), spec.kind(), spec.corruptIds(), cases, spec.predictAt(), spec.target());
    }

    private static SweepSpec withKind(SweepSpec spec, AblationKind kind) {
        return kind == AblationKind.PATCH ? spec.withPatchFrom(corrupt) : spec.withKind(kind);
    }

    private static SweepResult assertFastEqualsNaive(SweepSpec spec, SweepOptions options) {
        SweepResult fast = AblationSweep.run(model, spec, options);
        SweepResult naive = AblationSweep.run(model, spec, options.withNaive(true));
        assertFalse(fast.naive());
        assertTrue(naive.naive());
        assertEquals(naive.clean(), fast.clean(), TOLERANCE, "clean");
        assertEquals(spec.cases().size(), fast.records().size());
        boolean anyEffect = false;
        for (int i = 0; i < spec.cases().size(); i++) {
            SweepRecord f = fast.records().get(i);
            SweepRecord n = naive.records().get(i);
            assertEquals(spec.cases().get(i), new AblationCase(f.layer(), f.head(), f.position()));
            assertEquals(n.logprob(), f.logprob(), TOLERANCE, spec.site() + " " + spec.kind() + " " + spec.cases().get(i));
            anyEffect |= Math.abs(n.delta()) > 1e-3;
        }
        assertTrue(anyEffect, "the ablations change something (else the comparison proves little)");
        return fast;
    }
}
