package jlens.workspace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import jlens.analysis.HeadDetectKind;
import jlens.corpus.Corpus;
import jlens.corpus.CorpusAttention;
import jlens.corpus.CorpusDetect;
import jlens.corpus.CorpusFeatures;
import jlens.corpus.CorpusLens;
import jlens.corpus.CorpusOptions;
import jlens.corpus.CorpusReduction;
import jlens.corpus.CorpusResult;
import jlens.corpus.CorpusResults;
import jlens.corpus.CorpusRunner;
import jlens.corpus.CorpusStats;
import jlens.corpus.CorpusSums;
import jlens.corpus.CorpusWindows;
import jlens.corpus.FeatureFunction;
import jlens.hook.HookPoint;
import jlens.intervene.Intervention;
import jlens.model.Gpt2;
import jlens.sae.Sae;

/**
 * The workspace's corpus and the questions asked of it ({@link Workspace#corpus()}): each reduction runs in this
 * process, batched, with the changes in force, and is kept as the workspace's last result. The corpus is a path and
 * options: a model change keeps it (its windows are cut by whichever model runs).
 *
 * <pre>{@code
 * ws.corpus().open(Path.of("wiki.txt"), CorpusOptions.defaults().withMaxTokens(100_000));
 * CorpusAttention.Result a = (CorpusAttention.Result) ws.corpus().attention(p -> {}, () -> false);
 * double[][] first = a.first();
 * }</pre>
 */
public final class CorpusStudies {
    private final Workspace ws;
    private Corpus corpus;
    private CorpusOptions options = CorpusOptions.defaults();

    CorpusStudies(Workspace ws) {
        this.ws = ws;
    }

    /** Opens a corpus (its files listed, nothing tokenised yet) and makes it current; a refusal changes nothing. */
    public Corpus open(Path path, CorpusOptions with) {
        synchronized (ws) {
            Corpus c = checked(() -> Corpus.open(path, with.documents()));
            if (ws.hasModel()) {
                checked(() -> with.windowFor(ws.currentModel().config().nPositions()));
            }
            corpus = c;
            options = with;
            return c;
        }
    }

    public boolean present() {
        synchronized (ws) {
            return corpus != null;
        }
    }

    /** The current corpus; a {@link MissingStateException} when none was opened. */
    public Corpus get() {
        synchronized (ws) {
            if (corpus == null) {
                throw new MissingStateException("no corpus; give one with 'corpus FILE|DIR' (text, JSON Lines, gzip, or a folder of them)");
            }
            return corpus;
        }
    }

    public CorpusOptions options() {
        synchronized (ws) {
            return options;
        }
    }

    /**
     * Runs {@code reduction} over the corpus in this process; Ctrl-C ({@code cancelled}, or an interrupt) stops it
     * between batches and the result covers what was reduced ({@code info().complete()} false).
     */
    public <S extends CorpusSums<S>> CorpusResult run(CorpusReduction<S> reduction, Consumer<CorpusWindows.Progress> progress,
                                                      BooleanSupplier cancelled) {
        synchronized (ws) {
            return run(reduction, ws.changesInForce(), progress, cancelled);
        }
    }

    /** {@link #run} with {@code changes} in force instead of the workspace's. */
    private <S extends CorpusSums<S>> CorpusResult run(CorpusReduction<S> reduction, List<Intervention> changes,
                                                       Consumer<CorpusWindows.Progress> progress, BooleanSupplier cancelled) {
        synchronized (ws) {
            Corpus c = get();
            Gpt2 m = ws.currentModel();
            String name = ws.modelName();
            return ws.remember(checked(() -> CorpusRunner.reduce(m, name, c, options, reduction, changes, progress, cancelled)));
        }
    }

    /**
     * Statistics of the activations at {@code specs} (hook names, short forms such as {@code q5}, or a point without a
     * layer, such as {@code z}, for every layer; none: Q, K and V of every layer) on a histogram of {@code bins} on
     * {@code [lo, hi]}.
     */
    public CorpusResult stats(List<String> specs, double lo, double hi, int bins, Consumer<CorpusWindows.Progress> progress,
                              BooleanSupplier cancelled) {
        CorpusStats task;
        synchronized (ws) {
            Gpt2 m = ws.currentModel();
            List<String> hooks = new ArrayList<>();
            for (String spec : specs) {
                String point = HookPoint.blockPoint(spec);
                if (point != null) {
                    for (int l = 0; l < m.config().nLayer(); l++) {
                        hooks.add(HookPoint.block(l, point));
                    }
                } else {
                    hooks.add(checked(() -> m.hooks().resolve(spec)));
                }
            }
            List<String> chosen = hooks.isEmpty() ? CorpusStats.qkv(m.config().nLayer()) : hooks.stream().distinct().toList();
            task = checked(() -> new CorpusStats(chosen, lo, hi, bins));
        }
        return run(task, progress, cancelled);
    }

    public CorpusResult attention(Consumer<CorpusWindows.Progress> progress, BooleanSupplier cancelled) {
        return run(new CorpusAttention(), progress, cancelled);
    }

    public CorpusResult detect(HeadDetectKind kind, boolean excludeBos, boolean excludeCurrent,
                               Consumer<CorpusWindows.Progress> progress, BooleanSupplier cancelled) {
        return run(new CorpusDetect(kind, excludeBos, excludeCurrent), progress, cancelled);
    }

    public CorpusResult lens(Consumer<CorpusWindows.Progress> progress, BooleanSupplier cancelled) {
        return run(new CorpusLens(), progress, cancelled);
    }

    /** Firing frequency, mean value when firing and top {@code k} contexts of each feature. */
    public CorpusResult features(FeatureFunction function, int k, Consumer<CorpusWindows.Progress> progress, BooleanSupplier cancelled) {
        CorpusFeatures task = checked(() -> new CorpusFeatures(function, k, 12, 3));
        synchronized (ws) {
            Gpt2 m = ws.currentModel();
            checked(() -> m.hooks().resolve(function.hook()));
        }
        return run(task, progress, cancelled);
    }

    /**
     * Each feature of the current SAE ({@code ws.saes().current()}): firing frequency, mean activation when firing and
     * top {@code k} contexts, its encoder run on what arrives at its hook with the changes in force but its own splice
     * and edits (as the SAE studies read it).
     */
    public CorpusResult saeFeatures(int k, Consumer<CorpusWindows.Progress> progress, BooleanSupplier cancelled) {
        synchronized (ws) {
            Sae sae = ws.saes().current();
            CorpusFeatures task = checked(() -> new CorpusFeatures(new FeatureFunction.SaeEncoder(sae), k, 12, 3));
            return run(task, ws.saes().standingBut(sae), progress, cancelled);
        }
    }

    /** Whether an SAE is loaded: then {@code corpus features} means its features. */
    public boolean hasSae() {
        synchronized (ws) {
            return !ws.saes().list().isEmpty();
        }
    }

    /** A saved corpus result (the REPL's {@code save X.json}, or the Spark job's output), kept as the last result. */
    public CorpusResult show(Path file) {
        synchronized (ws) {
            return ws.remember(checked(() -> CorpusResults.read(file)));
        }
    }

    private interface Step<T> {
        T get();
    }

    private static <T> T checked(Step<T> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }
}
