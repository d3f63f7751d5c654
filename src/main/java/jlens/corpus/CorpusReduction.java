package jlens.corpus;

import ai.djl.ndarray.NDArray;
import java.io.Serializable;
import java.util.List;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * A question asked of every window of a corpus, written once: {@link CorpusRunner} runs it in this process, and the
 * Spark job runs the same object on each executor's part of the corpus and merges the parts with {@link
 * CorpusSums#plus}. A reduction is its parameters (a record), so it travels to executors.
 *
 * <p>For each batch of windows, {@link #pass} adds the hooks it reads to the pass's own registry (computing what it
 * needs there, layer by layer, keeping only sums) and returns what turns the pass into the batch's sums once the
 * residual stream after the last block is known.
 */
public interface CorpusReduction<S extends CorpusSums<S>> extends Serializable {
    /** The task's name in commands and results: {@code stats}, {@code attention}, {@code detect}, {@code lens}, {@code features}. */
    String task();

    /** Nothing summed: the identity of {@link CorpusSums#plus} for a model of this shape. */
    S empty(Gpt2Config config);

    /** Hooks for one batch of equally long windows; the result's {@code finish} gets the pass's final residual {@code [B, W, C]}. */
    Pass<S> pass(Gpt2 model, List<Window> batch, Hooks.Scope scope);

    /** One batch's pass, ended. */
    @FunctionalInterface
    interface Pass<S> {
        S finish(NDArray residual);
    }

    /** The answer from the sums: a result that can be shown, saved and read back. */
    CorpusResult result(CorpusInfo info, S sums);
}
