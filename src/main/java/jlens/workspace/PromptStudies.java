package jlens.workspace;

import java.nio.file.Path;
import java.util.List;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.Metric;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchSpec;
import jlens.intervene.SweepOptions;
import jlens.intervene.prompts.Prompt;
import jlens.intervene.prompts.PromptAblation;
import jlens.intervene.prompts.PromptActivationSums;
import jlens.intervene.prompts.PromptBatches;
import jlens.intervene.prompts.PromptPatchResult;
import jlens.intervene.prompts.PromptPatching;
import jlens.intervene.prompts.PromptScores;
import jlens.intervene.prompts.PromptSet;
import jlens.model.Gpt2;

/**
 * The workspace's prompt set and the studies over it ({@link Workspace#prompts()}): each runs the set in batches with
 * the changes in force, checks for Ctrl-C between batches, and is kept as the workspace's last result. A model change
 * makes the set again from what it was made from (its file read again, {@code ioi N seed S} generated again, a set
 * given in Java tokenised again), or drops it when it no longer fits.
 *
 * <pre>{@code
 * ws.prompts().ioi(100, 1);
 * PromptScores s = ws.prompts().scores(false);
 * PromptPatchResult p = ws.prompts().patch(PatchKind.HEADS, SweepOptions.patching());
 * }</pre>
 */
public final class PromptStudies {
    private final Workspace ws;
    private final PromptSetSlot slot = new PromptSetSlot();

    PromptStudies(Workspace ws) {
        this.ws = ws;
    }

    PromptSetSlot slot() {
        return slot;
    }

    /**
     * The current prompt set; a {@link MissingStateException} when none was given. A set whose remake for a new model
     * was cancelled is made now (Ctrl-C again leaves it waiting).
     */
    public PromptSet set() {
        synchronized (ws) {
            return slot.get(ws::current);
        }
    }

    public boolean present() {
        synchronized (ws) {
            return slot.present();
        }
    }

    /** Reads a prompt set (a prompt per line, or JSON Lines: text, corrupt, answer, wrong) and makes it current. */
    public PromptSet read(Path file) {
        synchronized (ws) {
            Gpt2 m = ws.current();
            return ws.checked(() -> slot.read(file, m));
        }
    }

    /** Makes {@code n} IOI-style prompts (seeded) the current set. */
    public PromptSet ioi(int n, long seed) {
        synchronized (ws) {
            Gpt2 m = ws.current();
            return ws.checked(() -> slot.ioi(n, seed, m));
        }
    }

    /** Makes a set built in Java the current one. */
    public PromptSet use(PromptSet set) {
        synchronized (ws) {
            return slot.given(set);
        }
    }

    /** Per-prompt next-token scores of the set (answer and wrong log-probs, logit difference) and their means. */
    public PromptScores scores(boolean corrupt) {
        synchronized (ws) {
            PromptSet set = set();
            return ws.remember(ws.checked(() -> batches().scores(set, corrupt, ws.standing())));
        }
    }

    /** Sums (hence means) over the set of the activation at {@code hook}, by position; within the capture budget. */
    public PromptActivationSums means(String hook) {
        synchronized (ws) {
            PromptSet set = set();
            return ws.remember(ws.checked(() -> batches().sums(set, hook, false, ws.standing())));
        }
    }

    /** Mean ablation: head {@code head} of {@code layer} replaced by its mean over the set at {@code position} (-1: all). */
    public PromptAblation ablateMean(int layer, int head, int position) {
        synchronized (ws) {
            PromptSet set = set();
            return ws.remember(ws.checked(() -> batches().meanAblation(set, layer, head, position, ws.standing())));
        }
    }

    /**
     * The patching experiment of every prompt (its own {@code logit[answer] - logit[wrong]} at its last token, else the
     * workspace's metric), checked before anything runs.
     */
    public List<PatchSpec> patchSpecs(PatchKind kind) {
        synchronized (ws) {
            PromptSet set = set();
            Metric fallback = ws.patching().hasMetric() ? ws.patching().metric() : null;
            return ws.checked(() -> PromptPatching.specs(set, kind, fallback));
        }
    }

    /** Activation patching over the set ({@link PromptPatching}): the mean grid and each prompt's metrics. */
    public PromptPatchResult patch(PatchKind kind, SweepOptions options) {
        synchronized (ws) {
            PromptSet set = set();
            Metric fallback = ws.patching().hasMetric() ? ws.patching().metric() : null;
            return ws.remember(ws.experiment(() -> PromptPatching.run(ws.current(), ws.standing(), set, kind, fallback,
                    options)));
        }
    }

    /** Head detection over the set: the mean of each prompt's scores, one prompt at a time. */
    public HeadDetectResult detect(HeadDetectKind kind, boolean excludeBos, boolean excludeCurrent) {
        synchronized (ws) {
            PromptSet set = set();
            Prompt shortOne = set.firstShorterThan(2);
            if (shortOne != null) {
                throw new InvalidInputException("head detection needs prompts of at least 2 tokens; line " + shortOne.line()
                        + " of the prompt set has " + shortOne.length() + ": give longer prompts");
            }
            return ws.detectOn(set.ids(false), kind, excludeBos, excludeCurrent);
        }
    }

    /** Batches that check for Ctrl-C between them and capture within the budget. */
    private PromptBatches batches() {
        Gpt2 m = ws.current();
        m.setCaptureBudgetBytes(ws.captureBudget());
        return new PromptBatches(m, PromptBatches.DEFAULT_BATCH, () -> {
            ws.checkBetweenLayers();
            return false;
        });
    }
}
