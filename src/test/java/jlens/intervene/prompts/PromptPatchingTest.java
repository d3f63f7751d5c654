package jlens.intervene.prompts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import jlens.Fixture;
import jlens.analysis.Metric;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import jlens.intervene.Patch;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchResult;
import jlens.intervene.PatchSpec;
import jlens.intervene.SweepOptions;

/** Patching over a prompt set against the same prompts patched one at a time and reduced here, by hand. */
class PromptPatchingTest {
    /** The set's reduction and the hand-made one add the same doubles in the same order: only rounding differs. */
    static final double TOLERANCE = 1e-5;
    private static Gpt2 model;
    /** IOI prompts of mixed lengths (14 and 15 tokens). */
    private static PromptSet mixed;
    /** Those of 14 tokens. */
    private static PromptSet even;

    @BeforeAll
    static void load() {
        model = Gpt2.load(Fixture.dir());
        mixed = IoiPrompts.generate(7, 3, model.tokenizer());
        assertTrue(mixed.minLength() < mixed.maxLength(), "mixed lengths");
        List<Prompt> same = mixed.prompts().stream().filter(p -> p.length() == mixed.minLength()).toList();
        assertTrue(same.size() >= 3, "enough prompts of one length: " + same.size());
        even = new PromptSet("ioi of one length", same);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Each prompt alone through {@link Patch#run}, its own logit difference as the metric. */
    private static List<PatchResult> singles(PromptSet set, PatchKind kind) {
        List<PatchResult> out = new ArrayList<>();
        for (Prompt p : set.prompts()) {
            Metric m = Metric.logitDiff(p.answerId(), p.wrongId(), -1);
            out.add(Patch.run(model, new PatchSpec(p.ids(), p.corruptIds(), kind, m), SweepOptions.patching()));
        }
        return out;
    }

    /** The IOI convention, computed here: mean raw per cell, normalised by the mean clean and corrupted metric. */
    private static void assertMeanOfSingles(PromptPatchResult r, List<PatchResult> singles, String what) {
        int cells = singles.get(0).raw().length;
        double clean = 0;
        double corrupt = 0;
        double[] raw = new double[cells];
        for (PatchResult s : singles) {
            clean += s.mClean() / singles.size();
            corrupt += s.mCorrupt() / singles.size();
            for (int i = 0; i < cells; i++) {
                raw[i] += s.raw()[i] / singles.size();
            }
        }
        assertArrayEquals(singles.get(0).shape(), r.shape(), what);
        assertEquals(clean, r.mClean(), TOLERANCE, what + " mean m_clean");
        assertEquals(corrupt, r.mCorrupt(), TOLERANCE, what + " mean m_corrupt");
        assertTrue(Math.abs(clean - corrupt) > 1e-3, what + ": the normalisation is well defined");
        for (int i = 0; i < cells; i++) {
            assertEquals(raw[i], r.raw()[i], TOLERANCE, what + " raw cell " + i);
            assertEquals((raw[i] - corrupt) / (clean - corrupt), r.normalized()[i], TOLERANCE * 100, what + " normalised cell " + i);
        }
        for (int k = 0; k < singles.size(); k++) {
            assertEquals(singles.get(k).mClean(), r.rows().get(k).mClean(), TOLERANCE);
            assertEquals(singles.get(k).mCorrupt(), r.rows().get(k).mCorrupt(), TOLERANCE);
        }
    }

    @ParameterizedTest
    @MethodSource("jlens.intervene.PatchKind#values")
    void theSetIsTheMeanOfItsPromptsPatchedOneAtATime(PatchKind kind) {
        PromptPatchResult r = PromptPatching.run(model, even, kind, null, SweepOptions.patching());
        assertMeanOfSingles(r, singles(even, kind), kind.word());
        assertEquals(even.size(), r.prompts());
        assertEquals(even.size(), r.sums().prompts());
        assertArrayEquals(even.get(0).ids(), r.labelIds());
        assertNull(r.metric(), "every prompt had its own answer and wrong token");
        assertTrue(r.rows().stream().allMatch(PromptPatchRow::ownAnswer));
        assertEquals(even.size(), r.rowCount());
        assertEquals(List.of("index", "line", "tokens", "metric", "m_clean", "m_corrupt"), r.columns());
        assertArrayEquals(r.normalized(), r.array().f64(), 0.0);
    }

    @Test
    void headsAtEveryPositionTakeMixedLengths() {
        PromptPatchResult r = PromptPatching.run(model, mixed, PatchKind.HEADS, null, SweepOptions.patching());
        assertMeanOfSingles(r, singles(mixed, PatchKind.HEADS), "heads over mixed lengths");
        assertArrayEquals(new int[] {3, 4}, r.shape());
    }

    @Test
    void partsOfASetCombineWithPlusIntoTheWhole() {
        PatchKind kind = PatchKind.HEADS;
        PatchSums whole = PromptPatching.run(model, mixed, kind, null, SweepOptions.patching()).sums();
        PatchSums a = PromptPatching.run(model, mixed.slice(0, 2), kind, null, SweepOptions.patching()).sums();
        PatchSums b = PromptPatching.run(model, mixed.slice(2, 5), kind, null, SweepOptions.patching()).sums();
        PatchSums c = PromptPatching.run(model, mixed.slice(5, 7), kind, null, SweepOptions.patching()).sums();
        PatchSums left = a.plus(b).plus(c);
        PatchSums right = a.plus(b.plus(c));
        PatchSums shuffled = PatchSums.empty(kind, whole.shape()).plus(c).plus(a).plus(b);
        for (PatchSums parts : List.of(left, right, shuffled)) {
            assertEquals(whole.prompts(), parts.prompts());
            assertEquals(whole.computed(), parts.computed());
            assertEquals(whole.clean().mean(), parts.clean().mean(), 1e-9);
            assertEquals(whole.corrupt().mean(), parts.corrupt().mean(), 1e-9);
            assertArrayEquals(whole.meanRaw(), parts.meanRaw(), 1e-9);
            assertArrayEquals(whole.normalized(), parts.normalized(), 1e-6);
        }
        assertArrayEquals(a.rawSums(), a.plus(PatchSums.empty(kind, a.shape())).rawSums(), 0.0, "empty is the identity");
        assertEquals(a.clean(), a.plus(PatchSums.empty(kind, a.shape())).clean());
        var e = assertThrows(IllegalArgumentException.class, () -> a.plus(PatchSums.empty(PatchKind.RESID_PRE, new int[] {3, 14})));
        assertTrue(e.getMessage().contains("cannot add"), e.getMessage());
    }

    @Test
    void perPositionKindsRefuseMixedLengthsNamingTheFirstTwoLines() {
        Prompt first = mixed.get(0);
        Prompt other = mixed.prompts().stream().filter(p -> p.length() != first.length()).findFirst().orElseThrow();
        for (PatchKind kind : new PatchKind[] {PatchKind.RESID_PRE, PatchKind.ATTN_OUT, PatchKind.MLP_OUT, PatchKind.HEADS_POS}) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> PromptPatching.run(model, mixed, kind, null, SweepOptions.patching()), kind.word());
            String m = e.getMessage();
            assertTrue(m.contains("line " + first.line() + " has " + first.length() + " tokens, line " + other.line() + " has "
                    + other.length()), m);
            assertTrue(m.contains("'patch heads set'"), m);
            assertFalse(m.contains("\n"), m);
        }
        // A corrupted prompt of another length (a set built in Java; files refuse it when read) is named too.
        Prompt p = even.get(1);
        long[] longer = java.util.Arrays.copyOf(p.corruptIds(), p.length() + 1);
        List<Prompt> prompts = new ArrayList<>(even.prompts());
        prompts.set(1, new Prompt(p.line(), p.text(), p.corrupt(), p.answer(), p.wrong(), p.ids(), longer, p.answerId(), p.wrongId()));
        var e = assertThrows(IllegalArgumentException.class,
                () -> PromptPatching.specs(new PromptSet("java", prompts), PatchKind.RESID_PRE, null));
        assertTrue(e.getMessage().contains("line " + p.line() + " (its corrupted prompt) has " + (p.length() + 1)), e.getMessage());
    }

    @Test
    void everyPromptNeedsACorruptedTextAndAMetric() {
        PromptSet plain = PromptSet.of("plain", List.of("When Mary and John went to the store", "After a while"), model.tokenizer());
        var e = assertThrows(IllegalArgumentException.class, () -> PromptPatching.specs(plain, PatchKind.HEADS, null));
        assertTrue(e.getMessage().contains("line 1 has none") && e.getMessage().contains("\"corrupt\""), e.getMessage());

        List<Prompt> noAnswers = even.prompts().stream().map(p -> new Prompt(p.line(), p.text(), p.corrupt(), null, null,
                p.ids(), p.corruptIds(), -1, -1)).toList();
        PromptSet set = new PromptSet("no answers", noAnswers);
        e = assertThrows(IllegalArgumentException.class, () -> PromptPatching.specs(set, PatchKind.HEADS, null));
        assertTrue(e.getMessage().contains("no \"answer\" and \"wrong\" tokens and no metric is set"), e.getMessage());
        // The session's metric then measures every prompt: the same as each prompt's own when it is the same pair.
        Prompt p0 = even.get(0);
        Metric session = Metric.logitDiff(p0.answerId(), p0.wrongId(), -1);
        PromptPatchResult r = PromptPatching.run(model, set.slice(0, 2), PatchKind.HEADS, session, SweepOptions.patching());
        assertEquals(session, r.metric());
        assertFalse(r.rows().get(0).ownAnswer());
        PatchResult one = Patch.run(model, new PatchSpec(p0.ids(), p0.corruptIds(), PatchKind.HEADS, session));
        assertEquals(one.mClean(), r.rows().get(0).mClean(), TOLERANCE);
        // A metric position outside a prompt names its line.
        e = assertThrows(IllegalArgumentException.class,
                () -> PromptPatching.specs(set, PatchKind.HEADS, Metric.logitDiff(p0.answerId(), p0.wrongId(), 40)));
        assertTrue(e.getMessage().startsWith("line " + p0.line() + " of the prompt set: "), e.getMessage());
    }

    @Test
    void theNaiveLoopGivesTheSameSetAndProgressCoversTheWholeSet() {
        PromptSet three = even.slice(0, 3);
        int[] last = new int[2];
        List<Integer> seen = new ArrayList<>();
        PromptPatchResult fast = PromptPatching.run(model, three, PatchKind.ATTN_OUT, null,
                SweepOptions.patching().withProgress((done, total) -> {
                    seen.add(done);
                    last[0] = done;
                    last[1] = total;
                }));
        PromptPatchResult naive = PromptPatching.run(model, three, PatchKind.ATTN_OUT, null, SweepOptions.patching().withNaive(true));
        double scale = Math.max(1, Math.abs(naive.mCorrupt()));
        assertArrayEquals(naive.raw(), fast.raw(), 1e-4 * scale);
        assertEquals(last[1], last[0], "progress ends at the total");
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) >= seen.get(i - 1), "progress never goes back: " + seen);
        }
        assertThrows(CancellationException.class, () -> PromptPatching.run(model, three, PatchKind.HEADS, null,
                SweepOptions.patching().withCancel(() -> true)));
        assertTrue(model.hooks().isEmpty());
    }
}
