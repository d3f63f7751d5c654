package jlens.workspace;

import jlens.analysis.Metric;
import jlens.intervene.Patch;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchResult;
import jlens.intervene.PatchSpec;
import jlens.intervene.SweepOptions;
import jlens.model.Gpt2Tokenizer;

/**
 * Activation patching on the workspace's text ({@link Workspace#patching()}): the corrupted text and the metric it
 * needs beside the text, and the exact and estimated grids, run with the changes in force and kept as the last result.
 *
 * <pre>{@code
 * ws.patching().corrupt("After John and Mary went to the store, Mary gave a bottle of milk to");
 * ws.patching().metric(Metric.logitDiff(ws.token(" Mary"), ws.token(" John"), -1));
 * PatchResult r = ws.patching().run(ws.patching().spec(PatchKind.HEADS), SweepOptions.patching());
 * }</pre>
 */
public final class PatchStudies {
    private final Workspace ws;
    private final TextSlot corrupt = new TextSlot();
    private Metric metric;

    PatchStudies(Workspace ws) {
        this.ws = ws;
    }

    /**
     * Sets the corrupted text that patching runs and patches the text's activations into; it must have as many tokens
     * as the text (checked here when there is a text, and again by every patch).
     */
    public void corrupt(String text) {
        synchronized (ws) {
            TextSlot candidate = new TextSlot();
            try {
                candidate.set(text, () -> ws.current().tokenizer());
            } catch (InvalidInputException e) {
                throw new InvalidInputException(e.getMessage().replaceFirst("^the text", "the corrupted text")
                        .replace("e.g. text \"", "e.g. corrupt \""));
            }
            long[] ids = candidate.ids();
            if (ws.hasText() && ids.length != ws.ids().length) {
                throw new InvalidInputException("the corrupted text has " + ids.length + " tokens and the text " + ws.ids().length
                        + "; patching needs the same number of tokens (see 'tokens')");
            }
            corrupt.set(text, () -> ws.current().tokenizer());
        }
    }

    /** The corrupted text, or null. */
    public String corruptText() {
        synchronized (ws) {
            return corrupt.text();
        }
    }

    public boolean hasCorrupt() {
        synchronized (ws) {
            return corrupt.hasIds();
        }
    }

    /** The corrupted text's token ids; a {@link MissingStateException} if there is none. */
    public long[] corruptIds() {
        synchronized (ws) {
            if (!corrupt.hasIds()) {
                throw new MissingStateException(corrupt.text() == null
                        ? "no corrupted text yet; give one with corrupt \"...\" (as many tokens as the text)"
                        : "the corrupted text does not fit this model; give a shorter one");
            }
            return corrupt.ids();
        }
    }

    /** Sets what patching measures ({@link Metric#logitDiff}, {@link Metric#logprob}; {@link Workspace#token} finds ids). */
    public Metric metric(Metric m) {
        synchronized (ws) {
            ws.checked(() -> {
                m.checkVocabulary(ws.config().vocabSize());
                return ws.hasText() ? m.at(ws.ids().length) : 0;
            });
            metric = m;
            return m;
        }
    }

    /** The metric patching measures; a {@link MissingStateException} if none was set. */
    public Metric metric() {
        synchronized (ws) {
            if (metric == null) {
                throw new MissingStateException("no metric yet; give one, e.g. metric logitdiff \" Mary\" \" John\"");
            }
            return metric;
        }
    }

    public boolean hasMetric() {
        synchronized (ws) {
            return metric != null;
        }
    }

    /** The experiment on the text (clean), the corrupted text and the metric; {@link PatchSpec#noising()} the other way. */
    public PatchSpec spec(PatchKind kind) {
        synchronized (ws) {
            long[] clean = ws.ids();
            long[] ids = corruptIds();
            Metric m = metric();
            return ws.checked(() -> new PatchSpec(clean, ids, kind, m));
        }
    }

    /** Activation patching, exact (the fast path, or the oracle when {@code options} asks), with the changes in force. */
    public PatchResult run(PatchSpec spec, SweepOptions options) {
        synchronized (ws) {
            return ws.remember(ws.experiment(() -> Patch.run(ws.current(), ws.standing(), spec, options)));
        }
    }

    /** Attribution patching: every cell estimated from one backward pass. */
    public PatchResult approximate(PatchSpec spec, SweepOptions options) {
        synchronized (ws) {
            return ws.remember(ws.experiment(() -> Patch.approximate(ws.current(), ws.standing(), spec, options)));
        }
    }

    void retokenise(Gpt2Tokenizer tokenizer) {
        corrupt.retokenise(tokenizer);
    }
}
