package jlens.corpus;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.Intervention;
import jlens.intervene.Interventions;
import jlens.intervene.prompts.BatchForward;
import jlens.intervene.prompts.BatchInput;
import jlens.intervene.prompts.BatchPadding;
import jlens.model.Gpt2;

/**
 * Runs a reduction over windows, a batch at a time: each batch is one {@link BatchForward} pass (the windows are
 * all full, so nothing is padded) with a registry of its own (the reduction's hooks after the given interventions
 * and the model's registered hooks), so passes on other threads sharing the model (a Spark executor's tasks) do not
 * see each other's hooks. The same code reduces the whole corpus here and each part of it on a cluster.
 */
public final class CorpusRunner {
    private CorpusRunner() {}

    /**
     * Reduces every window {@code windows} gives, {@code batch} at a time (a batch within one group), telling
     * {@code progress} after each. Ctrl-C (an interrupt, or the reader's cancel flag) stops it between batches and
     * returns what was reduced so far, marked incomplete.
     */
    public static <S extends CorpusSums<S>> CorpusPart<S> run(Gpt2 model, CorpusWindows windows, int batch,
            CorpusReduction<S> reduction, List<Intervention> interventions, Consumer<CorpusWindows.Progress> progress) {
        interventions.forEach(i -> i.check(model.config()));
        S sums = reduction.empty(model.config());
        long done = 0;
        boolean complete = true;
        while (true) {
            List<Window> next;
            try {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("cancelled");
                }
                next = windows.nextBatch(batch);
            } catch (CancellationException e) {
                complete = false;
                break;
            }
            if (next.isEmpty()) {
                break;
            }
            sums = sums.plus(pass(model, next, reduction, interventions));
            done += next.size();
            progress.accept(windows.progress());
        }
        CorpusWindows.Progress p = windows.progress();
        return new CorpusPart<>(sums, p.documents(), p.skipped(), done, complete);
    }

    /**
     * The whole task in this process: every window of {@code corpus} (to {@link CorpusOptions#maxTokens()}), reduced
     * in batches, and its answer; stopped early by Ctrl-C, the answer covers what was reduced and says so.
     */
    public static <S extends CorpusSums<S>> CorpusResult reduce(Gpt2 model, String modelName, Corpus corpus, CorpusOptions options,
            CorpusReduction<S> reduction, List<Intervention> interventions, Consumer<CorpusWindows.Progress> progress,
            java.util.function.BooleanSupplier cancelled) {
        long start = System.nanoTime();
        int context = model.config().nPositions();
        CorpusPart<S> part;
        try (CorpusWindows windows = CorpusWindows.open(corpus, options, model.tokenizer(), context, cancelled)) {
            part = run(model, windows, options.batchFor(windows.window()), reduction, interventions, progress);
        }
        return reduction.result(info(reduction.task(), corpus, modelName, options, context, part, "in-process",
                (System.nanoTime() - start) / 1e9), part.sums());
    }

    /** What a result says it was computed from. */
    public static CorpusInfo info(String task, Corpus corpus, String modelName, CorpusOptions options, int context,
                                  CorpusPart<?> part, String where, double seconds) {
        int window = options.windowFor(context);
        return new CorpusInfo(task, corpus.name(), corpus.files().size(), modelName, window, options.bos(), options.group(),
                options.batchFor(window), part.documents(), part.skipped(), part.windows(), part.windows() * window,
                part.complete(), where, seconds);
    }

    /** One batch's sums. */
    public static <S extends CorpusSums<S>> S pass(Gpt2 model, List<Window> batch, CorpusReduction<S> reduction,
                                                   List<Intervention> interventions) {
        int nLayer = model.config().nLayer();
        Hooks hooks = new Hooks(HookPoint.all(nLayer), nLayer);
        try (Hooks.Scope scope = hooks.scope(); NDManager out = model.manager().newSubManager()) {
            for (String name : model.hooks().names()) {
                scope.add(name, model.hooks()::run); // a Java user's hooks on the model run as in any pass
            }
            Interventions.register(scope, interventions, () -> 0);
            CorpusReduction.Pass<S> pass = reduction.pass(model, batch, scope);
            List<long[]> ids = new ArrayList<>(batch.size());
            batch.forEach(w -> ids.add(w.ids()));
            NDArray residual = BatchForward.residual(model, new BatchInput(ids, BatchPadding.RIGHT, 0), hooks, out); // [B, W, C]
            return pass.finish(residual);
        }
    }
}
