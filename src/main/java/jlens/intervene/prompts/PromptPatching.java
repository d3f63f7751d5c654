package jlens.intervene.prompts;

import java.util.ArrayList;
import java.util.List;
import jlens.analysis.Metric;
import jlens.model.Gpt2;
import jlens.intervene.Patch;
import jlens.intervene.Intervention;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchResult;
import jlens.intervene.PatchSpec;
import jlens.intervene.SweepOptions;

/**
 * Activation patching over a prompt set: each prompt's clean activations patched into its own corrupted run, one
 * prompt at a time through {@link Patch#run} (the fast path, or the naive loop when the options ask), reduced as
 * it goes into {@link PatchSums}. Memory holds one prompt's patching state at a time, as for a single pair.
 *
 * <p>Each prompt needs a corrupted text and a metric: its own {@code logit[answer] - logit[wrong]} at its last
 * token when it has both tokens, else the metric given (the session's). Per-position grids ({@code resid_pre},
 * {@code attn_out}, {@code mlp_out}, {@code heads pos}) add cells position by position, so every prompt must have
 * the same token count; a head at every position ({@link PatchKind#HEADS}) takes mixed lengths.
 */
public final class PromptPatching {
    private PromptPatching() {}

    /**
     * One patching experiment per prompt, each checked: every prompt has a corrupted text and a metric whose
     * position is in it, and for per-position kinds all have one length.
     *
     * @param fallback the metric for prompts without answer and wrong tokens, or null
     * @throws IllegalArgumentException naming the first prompt (by line) that does not fit, and what to do
     */
    public static List<PatchSpec> specs(PromptSet set, PatchKind kind, Metric fallback) {
        for (Prompt p : set.prompts()) {
            if (!p.hasCorrupt()) {
                throw new IllegalArgumentException("patching over the set needs a corrupted prompt on every line, and line "
                        + p.line() + " has none; give each a \"corrupt\" text (same token count), or use 'prompts ioi N'");
            }
        }
        if (!kind.allPositions()) {
            Prompt first = set.get(0);
            for (Prompt p : set.prompts()) {
                int other = p.length() != first.length() ? p.length() : p.corruptIds().length;
                if (other != first.length()) {
                    String which = p.length() != first.length() ? "" : " (its corrupted prompt)";
                    throw new IllegalArgumentException("patch " + kind.word() + " over the set adds cells position by position, so "
                            + "every prompt needs one token count: line " + first.line() + " has " + first.length()
                            + " tokens, line " + p.line() + which + " has " + other + "; use 'patch heads set' (each head at "
                            + "every position), which takes mixed lengths, or give prompts of one length");
                }
            }
        }
        List<PatchSpec> out = new ArrayList<>();
        for (Prompt p : set.prompts()) {
            Metric m = ownMetric(p) ? Metric.logitDiff(p.answerId(), p.wrongId(), -1) : fallback;
            if (m == null) {
                throw new IllegalArgumentException("patching over the set needs a metric for every prompt: line " + p.line()
                        + " has no \"answer\" and \"wrong\" tokens and no metric is set; give both in the file, or set one"
                        + " with 'metric logitdiff A B'");
            }
            try {
                out.add(new PatchSpec(p.ids(), p.corruptIds(), kind, m));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + p.line() + " of the prompt set: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Whether {@code p} is measured by its own answer - wrong logit difference. */
    public static boolean ownMetric(Prompt p) {
        return p.hasAnswer() && p.hasWrong();
    }

    /**
     * Patches every prompt of {@code set} and reduces: the mean grid and each prompt's clean and corrupted metric.
     * Progress counts over the whole set; the options' cancel flag is polled between prompts and within each.
     *
     * @throws IllegalArgumentException when the set does not fit ({@link #specs})
     * @throws IllegalStateException when hooks are registered on the model (patching measures the unhooked model)
     */
    public static PromptPatchResult run(Gpt2 model, PromptSet set, PatchKind kind, Metric fallback, SweepOptions options) {
        return run(model, List.of(), set, kind, fallback, options);
    }

    /** As {@link #run(Gpt2, PromptSet, PatchKind, Metric, SweepOptions)} with {@code standing} in force in every run. */
    public static PromptPatchResult run(Gpt2 model, List<Intervention> standing, PromptSet set, PatchKind kind, Metric fallback,
                                        SweepOptions options) {
        List<PatchSpec> specs = specs(set, kind, fallback);
        long start = System.nanoTime();
        int[] shape = kind.shape(model.config().nLayer(), model.config().nHead(), set.get(0).length());
        PatchSums sums = PatchSums.empty(kind, shape);
        List<PromptPatchRow> rows = new ArrayList<>();
        int n = specs.size();
        int steps = Math.max(1, Math.min(1000, Integer.MAX_VALUE / n)); // progress units per prompt
        boolean usedFallback = false;
        for (int i = 0; i < n; i++) {
            options.checkCancel();
            Prompt p = set.get(i);
            int before = i * steps;
            SweepOptions one = options.withProgress((done, total) ->
                    options.progress().update(before + (int) ((long) steps * done / Math.max(1, total)), n * steps));
            PatchResult r;
            try {
                r = Patch.run(model, standing, specs.get(i), one);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + p.line() + " of the prompt set: " + e.getMessage(), e);
            }
            sums = sums.plus(PatchSums.of(r));
            usedFallback |= !ownMetric(p);
            rows.add(new PromptPatchRow(i, p.line(), p.length(), ownMetric(p), r.mClean(), r.mCorrupt(), r.computed()));
        }
        return PromptPatchResult.of(set.source(), sums, rows, set.get(0).ids(), usedFallback ? fallback : null,
                (System.nanoTime() - start) / 1e9);
    }
}
