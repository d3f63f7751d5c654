package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import jlens.CircuitsReference;
import jlens.Fixture;
import jlens.analysis.Metric;
import jlens.hook.Hooks;
import jlens.model.CheckpointFiles;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The fast path against the naive loop (one full pass per cell through the model's hooks), for every kind. */
class PatchFastNaiveTest {
    private static Gpt2 model;
    private static long[] clean;
    private static long[] corrupt;
    private static long mary;
    private static long john;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        clean = CircuitsReference.ids(CircuitsReference.patching().getAsJsonArray("clean_ids"));
        corrupt = CircuitsReference.ids(CircuitsReference.patching().getAsJsonArray("corrupt_ids"));
        mary = CircuitsReference.patching().get("answer_id").getAsLong();
        john = CircuitsReference.patching().get("wrong_id").getAsLong();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Texts that differ at several positions, so cells start at different positions and differ in many cells. */
    private static long[] otherCorrupt() {
        long[] c = clean.clone();
        c[2] = 11;
        c[9] = mary;
        c[12] = 257;
        return c;
    }

    private static void assertSame(PatchResult fast, PatchResult naive, String what) {
        assertFalse(fast.naive());
        assertTrue(naive.naive());
        assertEquals(naive.mClean(), fast.mClean(), 1e-4, what + " m_clean");
        assertEquals(naive.mCorrupt(), fast.mCorrupt(), 1e-4, what + " m_corrupt");
        assertEquals(naive.raw().length, fast.raw().length);
        double scale = Double.isFinite(naive.mCorrupt()) ? Math.max(1, Math.abs(naive.mCorrupt())) : 1;
        for (int i = 0; i < naive.raw().length; i++) {
            assertEquals(naive.raw()[i], fast.raw()[i], 1e-4 * scale, what + " cell " + i + " " + fast.row(i)[0]);
        }
    }

    @ParameterizedTest
    @MethodSource("jlens.intervene.PatchKind#values")
    void fastEqualsNaiveForEveryKind(PatchKind kind) {
        PatchSpec spec = new PatchSpec(clean, otherCorrupt(), kind, Metric.logitDiff(mary, john, -1));
        PatchResult fast = Patch.run(model, spec, SweepOptions.patching());
        PatchResult naive = Patch.run(model, spec, SweepOptions.patching().withNaive(true));
        assertSame(fast, naive, kind.word());
        // Every head's z differs somewhere, but a position's activation is the same in both texts before position 2.
        assertTrue(kind == PatchKind.HEADS ? fast.computed() == naive.computed() : fast.computed() < naive.computed(),
                "cells run: " + fast.computed() + " of " + naive.computed());
    }

    @ParameterizedTest
    @MethodSource("jlens.intervene.PatchKind#values")
    void fastEqualsNaiveWithALogprobMetricEarlierAndSmallBatches(PatchKind kind) {
        PatchSpec spec = new PatchSpec(clean, otherCorrupt(), kind, Metric.logprob(clean[13], -4));
        PatchResult fast = Patch.run(model, spec, SweepOptions.patching().withMaxBatchRows(7));
        PatchResult naive = Patch.run(model, spec, SweepOptions.patching().withNaive(true));
        assertSame(fast, naive, kind.word() + " logprob at -4");
    }

    /**
     * A token whose embedding is NaN in one text; the texts also differ at position 3. The run with it has a NaN
     * metric, and patching must overwrite as the naive loop does (a product with a 0/1 mask keeps NaN:
     * {@code NaN * 0} is NaN). NaN in the corrupted text at the patched cell: patching the clean position 0 into
     * the residual entering layer 0 gives a finite metric. NaN in the clean text (at position 5): the cells at
     * position 3 of the finite corrupted run stay finite although the clean window their batch is patched from
     * is NaN. The corrupted text's NaN is at position 0 because the causal mask is added to the scores, so a NaN
     * key also reaches the masked scores of earlier queries: the corrupted run's keys and values before a patched
     * position, which the fast path reuses, would be NaN where the naive loop's patched run has none.
     */
    @ParameterizedTest
    @MethodSource("jlens.intervene.PatchKind#values")
    void aNanTokenInEitherTextGivesTheNaiveLoopsValues(PatchKind kind, @TempDir Path tmp) throws Exception {
        long nanToken = 4242;
        assertTrue(Arrays.stream(clean).noneMatch(id -> id == nanToken) && nanToken != mary && nanToken != john);
        long[] finite = clean.clone();
        finite[3] = 1000;
        long[] nanFirst = clean.clone();
        nanFirst[0] = nanToken;
        long[] nanLater = clean.clone();
        nanLater[5] = nanToken;
        Path dir = CheckpointFiles.withFloats(Fixture.dir(), tmp.resolve("nan"), "wte.weight", (shape, w) -> {
            int c = (int) shape[1]; // [V, C]
            Arrays.fill(w, (int) nanToken * c, (int) (nanToken + 1) * c, Float.NaN);
        });
        try (Gpt2 nan = Gpt2.load(dir)) {
            for (boolean nanCorrupted : new boolean[] {true, false}) {
                PatchSpec spec = nanCorrupted
                        ? new PatchSpec(finite, nanFirst, kind, Metric.logitDiff(mary, john, -1))
                        : new PatchSpec(nanLater, finite, kind, Metric.logitDiff(mary, john, -1));
                PatchResult fast = Patch.run(nan, spec, SweepOptions.patching());
                PatchResult naive = Patch.run(nan, spec, SweepOptions.patching().withNaive(true));
                String what = kind + (nanCorrupted ? ", NaN in the corrupted text" : ", NaN in the clean text");
                assertTrue(Double.isNaN(nanCorrupted ? naive.mCorrupt() : naive.mClean()), what + ": the NaN reaches the metric");
                assertSame(fast, naive, what);
                // Finite cells: the corrupted run's NaN position patched before layer 0; the cells at position 3
                // (but for a head at every position, which copies the clean NaN from position 5 on).
                if (nanCorrupted ? kind == PatchKind.RESID_PRE : kind != PatchKind.HEADS) {
                    assertTrue(Arrays.stream(naive.raw()).anyMatch(Double::isFinite),
                            what + ": some cell of the naive loop is finite (else the comparison proves little)");
                }
            }
        }
    }

    @Test
    void cellsAfterTheMetricPositionOrWhereTheTextsAgreeAreExactlyTheCorruptRun() {
        PatchSpec spec = new PatchSpec(clean, corrupt, PatchKind.RESID_PRE, Metric.logitDiff(mary, john, 12));
        PatchResult r = Patch.run(model, spec);
        int t = clean.length;
        for (int l = 0; l < model.config().nLayer(); l++) {
            for (int p = 0; p < t; p++) {
                boolean trivial = p > 12 || p < 9 || (l == 0 && p != 9);
                if (trivial) {
                    assertEquals(r.mCorrupt(), r.raw(l, p), 0.0, "cell " + l + "," + p);
                    assertEquals(0.0, r.normalized(l, p), 0.0);
                }
            }
        }
        assertEquals(1.0, r.normalized(0, 9), 1e-4); // the clean input at the only differing position
        assertEquals((model.config().nLayer() - 1) * 4 + 1, r.computed());
    }

    @Test
    void patchingTheTextIntoItselfGivesTheCleanMetricEverywhere() {
        for (PatchKind kind : PatchKind.values()) {
            PatchResult r = Patch.run(model, new PatchSpec(clean, clean, kind, Metric.logitDiff(mary, john, -1)));
            for (double m : r.raw()) {
                assertEquals(r.mClean(), m, 0.0);
            }
            assertEquals(0, r.computed());
        }
    }

    @Test
    void progressCancelAndErrors() {
        PatchSpec spec = new PatchSpec(clean, corrupt, PatchKind.HEADS, Metric.logitDiff(mary, john, -1));
        AtomicInteger last = new AtomicInteger();
        AtomicInteger totalSeen = new AtomicInteger();
        Patch.run(model, spec, SweepOptions.patching().withProgress((done, total) -> {
            last.set(done);
            totalSeen.set(total);
        }));
        assertTrue(last.get() > 0);
        assertEquals(totalSeen.get(), last.get());
        assertThrows(CancellationException.class, () -> Patch.run(model, spec, SweepOptions.patching().withCancel(() -> true)));
        assertThrows(CancellationException.class,
                () -> Patch.run(model, spec, SweepOptions.patching().withNaive(true).withCancel(() -> true)));
        IllegalArgumentException counts = assertThrows(IllegalArgumentException.class,
                () -> new PatchSpec(clean, new long[] {1, 2}, PatchKind.HEADS, Metric.logprob(1, -1)));
        assertTrue(counts.getMessage().contains("2 tokens") && counts.getMessage().contains("16"), counts.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PatchSpec(clean, corrupt, PatchKind.HEADS, Metric.logprob(1, 16)));
        assertThrows(IllegalArgumentException.class,
                () -> Patch.run(model, new PatchSpec(clean, corrupt, PatchKind.HEADS, Metric.logprob(50257, -1))));
        try (Hooks.Scope scope = model.hooks().scope()) {
            scope.add("z0", (n, a) -> null);
            assertThrows(IllegalStateException.class, () -> Patch.run(model, spec));
        }
        assertTrue(model.hooks().isEmpty());
    }

    @Test
    void savesAsTableAndJson() {
        PatchResult r = Patch.run(model, new PatchSpec(clean, corrupt, PatchKind.HEADS_POS, Metric.logitDiff(mary, john, -1)));
        int nl = model.config().nLayer();
        int nh = model.config().nHead();
        assertEquals(nl * nh * clean.length, r.rowCount());
        assertTrue(r.toCsv().startsWith("layer,head,position,normalized,raw\n"));
        Object[] row = r.row(nh * clean.length + 2 * clean.length + 5); // layer 1, head 2, position 5
        assertEquals(1, row[0]);
        assertEquals(2, row[1]);
        assertEquals(5, row[2]);
        assertTrue(r.toJson().contains("\"mClean\""));
    }
}
