package jlens.workspace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import jlens.analysis.AttentionKind;
import jlens.analysis.Checks;
import jlens.analysis.DirectLogitAttribution;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.analysis.HeadAttention;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.Composition;
import jlens.analysis.HeadDetector;
import jlens.analysis.QkvPart;
import jlens.analysis.LogProbs;
import jlens.analysis.LogitLens;
import jlens.analysis.LogitLensResult;
import jlens.analysis.Metric;
import jlens.analysis.QkvSplit;
import jlens.analysis.QkvSplitter;
import jlens.analysis.RepeatedRandomTokens;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.AblationSweep;
import jlens.intervene.Intervention;
import jlens.intervene.SweepOptions;
import jlens.intervene.SweepResult;
import jlens.intervene.SweepSpec;
import jlens.intervene.generation.GenerationOptions;
import jlens.intervene.generation.GenerationResult;
import jlens.intervene.generation.Generator;
import jlens.intervene.steering.SteeringVector;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
import jlens.model.NonFiniteException;
import jlens.store.KnownCircuits;

/**
 * What a jlens user holds, in Java: a model, a text and its token ids, the hook points to capture, the changes in
 * force, the last run and its activations, and the last result. Every REPL command is a call on this API, so JShell,
 * scripts and the REPL reach the same code. Nothing here prints; a step that cannot be done throws a
 * {@link WorkspaceException} whose message says what to do. Each study is one call into {@code jlens.analysis} or
 * {@code jlens.intervene} (TransformerLens's style: functions of the model or a cache, which Java users can call
 * directly), run on the workspace's text with the changes in force, and kept as {@link #lastResult()}.
 *
 * <p>Methods are serialised (synchronized): two threads take turns instead of closing arrays under each other. The
 * arrays {@link #run()}, {@link #cache()}, {@link #logits()}, {@link #activation(String)} and
 * {@link #ensureCaptured} hand out are the last run's own: valid on the taking thread until its next call into the
 * workspace after the run was replaced; a thread that keeps one longer takes a copy ({@link #activation(String,
 * NDManager)}, {@link #logits(NDManager)}). ARCHITECTURE.md ("Memory: who frees what") has the rules.
 *
 * <pre>{@code
 * Workspace ws = Workspace.open("gpt2");                      // from the local cache, or downloaded
 * ws.text("Be who you are and say what you feel");
 * ws.captureAll(HookPoint.QKV);                              // attn.hook_qkv of every layer
 * ws.run();                                                  // one forward pass fills them all
 * QkvSplit split = ws.split(5, 1);                           // demo 1: Q, K and V of layer 5
 * QkvDensities.Layer hist = QkvDensities.layer(split, 100);  //   their density histograms
 * FullWidthQkt.Layer qkt = FullWidthQkt.layer(ws.cache(), ws.config(), 1, 1); // demo 2: QK^T / sqrt(d_head), layer 1
 * LogProbs.AtPosition lp = ws.logprobs(-2, 10);              // demo 3: the last token's log-prob at -2
 * SweepResult sweep = ws.ablate(SweepSpec.notebook(ws.config(), ws.ids(), 3), SweepOptions.defaults());
 * ws.steer(Steering.actAdd(ws.model(), " Love", " Hate", 6, 5, true)); // in force for every run until removed
 * GenerationResult g = ws.generate(GenerationOptions.greedy(20));
 * ws.interventions().clear();
 * ws.close();
 * }</pre>
 */
public final class Workspace implements AutoCloseable {
    /** Default ceiling on what one run may capture (the REPL's {@code set budget}). */
    public static final long DEFAULT_CAPTURE_BUDGET = 4L << 30;

    private final ModelLoader loader;
    private final ModelSlot model = new ModelSlot();
    private final TextSlot text = new TextSlot();
    private final RunSlot runs = new RunSlot(this);
    /** Threads {@link #model()} handed the current model to (see {@link LastRun#retireAfterRuns}). */
    private final Set<Thread> modelHolders = new LinkedHashSet<>();
    private final PatchStudies patching = new PatchStudies(this);
    private final PromptStudies prompts = new PromptStudies(this);
    private final CorpusStudies corpus = new CorpusStudies(this);
    private final CircuitDiscovery discovery = new CircuitDiscovery(this);
    private final InterventionScope changes = new InterventionScope(this, this::changesChanged);
    private final Saes saes = new Saes(this);
    private Object lastResult;

    /** An empty workspace that loads models with {@code loader}. */
    public Workspace(ModelLoader loader) {
        this.loader = loader;
        changes.checkWith(i -> i.check(current().config()));
    }

    /**
     * A workspace on {@code spec} (a name such as {@code gpt2}, a repo id or a folder; downloaded with a progress
     * bar on standard output when not on this machine), on the default device (a GPU when the engine sees one) in
     * float32.
     */
    public static Workspace open(String spec) {
        ModelCatalog.open();
        Workspace ws = new Workspace(ModelCatalog.loader(Gpt2.LoadOptions.parse(null, null),
                ModelCatalog.Downloads.toStandardOutput()));
        ws.load(spec);
        return ws;
    }

    // ---- model ----

    /**
     * The model; a {@link MissingStateException} if none is loaded. A thread that takes it is recorded, so that loading
     * another model from a different thread does not close this one under it (it waits until the taker calls again).
     */
    public synchronized Gpt2 model() {
        Gpt2 m = current();
        modelHolders.add(Thread.currentThread());
        return m;
    }

    /** The model, for the workspace's own use: every pass and analysis reads it through here. */
    Gpt2 current() {
        enter();
        return model.get();
    }

    public synchronized boolean hasModel() {
        return model.present();
    }

    public synchronized String modelName() {
        return model.name();
    }

    /** A line about the model worth showing (the known-answer model's circuits), or null. */
    public synchronized String modelNote() {
        return model.note();
    }

    public synchronized Gpt2Config config() {
        return current().config();
    }

    /** Loads a model by name or folder; the previous one stays loaded if this fails. Returns what {@link #use} says. */
    public synchronized Optional<String> load(String spec) {
        LoadedModel loaded;
        try {
            loaded = loader.load(spec);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new WorkspaceException(e.getMessage());
        }
        return use(loaded.model(), loaded.name(), loaded.note(), true);
    }

    /** Marks the current model as the user's choice (--model): {@link #prefer} then keeps it. */
    public synchronized void modelChosen(boolean chosen) {
        model.chosen(chosen);
    }

    /**
     * Why {@link #prefer(String)} would keep the current model rather than load {@code spec}: the user chose the
     * current one, or {@code spec} is not on this machine (preferring never downloads). Empty when it would load.
     */
    public synchronized Optional<String> keepsCurrentModel(String spec) {
        return model.keepReason(spec);
    }

    /** Loads {@code spec} if it is on this machine and no model was chosen; else says why it keeps the current one. */
    public synchronized Optional<String> prefer(String spec) {
        Optional<String> keep = keepsCurrentModel(spec);
        if (keep.isEmpty()) {
            load(spec);
        }
        return keep;
    }

    /**
     * Uses an already loaded model (tests share one); the workspace closes it only if {@code owned}. The text is
     * tokenised again, the last run and result are dropped, captures of missing layers are dropped. The prompt set is
     * made again from what it was made from and checked against the new tokenizer and context (dropped when it no
     * longer fits), and so are the changes in force. Returns one line saying what was dropped, or empty.
     */
    public synchronized Optional<String> use(Gpt2 newModel, String name, String note, boolean owned) {
        text.retokenise(newModel.tokenizer());
        patching.retokenise(newModel.tokenizer());
        discovery.modelChanged();
        runs.last.close();
        runs.captures.keepLayersBelow(newModel.config().nLayer());
        lastResult = null;
        Gpt2 old = model.replace(newModel, name, note, owned);
        if (old != null) {
            runs.last.retireAfterRuns(old, modelHolders); // the old runs' arrays hang from its manager
        }
        modelHolders.clear();
        List<String> lines = new ArrayList<>();
        prompts.slot().remake(newModel, name).ifPresent(lines::add);
        saes.modelChanged(newModel).ifPresent(lines::add);
        List<InterventionScope.Entry> dropped = changes.keepFitting(newModel.config());
        if (!dropped.isEmpty()) {
            lines.add("dropped what no longer fits " + name + ": " + String.join("; ",
                    dropped.stream().map(InterventionScope.Entry::describe).toList()));
        }
        return lines.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", lines));
    }

    // ---- text ----

    public synchronized String text() {
        return text.text();
    }

    /** Sets the text (tokenising it first: a text the model cannot take changes nothing); drops the last run. */
    public synchronized void text(String newText) {
        text.set(newText, () -> current().tokenizer());
        runs.last.close();
    }

    /** The token ids of the text; a {@link MissingStateException} if there is none. */
    public synchronized long[] ids() {
        return text.ids();
    }

    public synchronized boolean hasText() {
        return text.hasIds();
    }

    /** Decoded pieces of the tokens (" who"), as a reader sees them. */
    public synchronized String[] tokenPieces() {
        return current().tokenizer().pieces(ids());
    }

    // ---- what the next run captures (the REPL's hook and unhook) ----

    /** Exact names of the hook points the next {@link #run()} runs.captures. */
    public synchronized List<String> captured() {
        return runs.captures.list();
    }

    /** Adds hook points by exact or short name ({@code q5}, {@code pattern 3}); all are checked before any is added. */
    public synchronized List<String> capture(Collection<String> specs) {
        return runs.captures.add(specs, current().hooks());
    }

    public synchronized List<String> capture(String... specs) {
        return capture(List.of(specs));
    }

    /** Captures block point {@code point} ({@link HookPoint#QKV}, ...) in every layer. */
    public synchronized List<String> captureAll(String point) {
        List<String> names = new ArrayList<>();
        for (int l = 0; l < config().nLayer(); l++) {
            names.add(HookPoint.block(l, point));
        }
        return capture(names);
    }

    /** Stops capturing the named hook points (all when none are named); returns what was removed. */
    public synchronized List<String> uncapture(Collection<String> specs) {
        return runs.captures.remove(specs, current().hooks());
    }

    public synchronized List<String> uncapture(String... specs) {
        return uncapture(List.of(specs));
    }

    // ---- changes in force ----

    /**
     * The changes in force: interventions (steering vectors, ablations) that every run of the model honours until
     * removed: the runs behind every analysis, sweeps and patching's runs, generation, prompt sets. Any change to them
     * drops the last run.
     */
    public synchronized InterventionScope interventions() {
        return changes;
    }

    /**
     * Puts a steering vector ({@code jlens.intervene.steering.Steering} makes them) in force as one entry of
     * {@link #interventions()}, and keeps it as the last result (for {@code save v.npy}).
     */
    public synchronized InterventionScope.Entry steer(SteeringVector v) {
        InterventionScope.Entry e = changes.add("steering", v.describe(), checked(() -> v.interventions(config())));
        remember(v);
        return e;
    }

    /** The changes in force for a pass about to run (or a run being read), said to their listener when there are any. */
    List<Intervention> standing() {
        return changes.inForce();
    }

    private void changesChanged() {
        runs.last.close(); // its activations were made with other changes
    }

    // ---- runs ----

    /** Caps what one run may capture, in bytes. */
    public synchronized void captureBudgetBytes(long bytes) {
        runs.budget = bytes;
    }

    /** Runs {@code check} before every layer of a run; it may throw to stop the run (Ctrl-C). */
    public synchronized void betweenLayers(Runnable check) {
        runs.betweenLayers = check;
    }

    /** One forward pass of the text capturing {@link #captured()}, replacing the last run; the run is the workspace's. */
    public synchronized Gpt2.Run run() {
        return run(List.of());
    }

    /** As {@link #run()}, capturing {@code extra} exact hook names as well. No hook outlives the pass. */
    public synchronized Gpt2.Run run(Collection<String> extra) {
        enter();
        Gpt2.Run run = runs.pass(extra);
        runs.last.handedOut();
        return run;
    }

    /** Whether there is a last run, made with the text, changes in force and the model's hooks as they are. */
    public synchronized boolean hasRun() {
        return runs.present();
    }

    /** The last run's activations (the workspace's; see the class comment); an error that says what to do without one. */
    public synchronized ActivationCache cache() {
        enter();
        ActivationCache c = runs.cache();
        runs.last.handedOut();
        return c;
    }

    /** The last run's logits {@code [1, T, V]}, owned by the workspace (see the class comment). */
    public synchronized NDArray logits() {
        enter();
        NDArray logits = runs.logits();
        runs.last.handedOut();
        return logits;
    }

    /** A copy of the last run's logits {@code [1, T, V]} in {@code owner}, the caller's on any thread. */
    public synchronized NDArray logits(NDManager owner) {
        enter();
        return RunSlot.copyInto(runs.logits(), owner);
    }

    /** A captured activation by exact name, owned by the workspace; the error names the hook and how to capture it. */
    public synchronized NDArray activation(String exactName) {
        enter();
        NDArray a = runs.captured(exactName);
        runs.last.handedOut();
        return a;
    }

    /** A copy of a captured activation in {@code owner}: the caller's on any thread, whatever later runs do. */
    public synchronized NDArray activation(String exactName, NDManager owner) {
        enter();
        return RunSlot.copyInto(runs.captured(exactName), owner);
    }

    /** Runs the text capturing {@code names} too unless the last run holds every one; the cache is the workspace's. */
    public synchronized ActivationCache ensureCaptured(Collection<String> names) {
        enter();
        ActivationCache c = runs.ensure(names);
        runs.last.handedOut();
        return c;
    }

    /**
     * What every handout and pass does first: closes the replaced runs (and a model let go of) that this thread held,
     * now that it is here and not inside a native op on them, and those whose holders all ended.
     */
    private void enter() {
        runs.last.reap();
    }

    // ---- the demos' studies read the last run: split here, the rest straight off the cache ----

    /**
     * The last run's activations when they hold every one of {@code names} (exact hook names): what a study of the
     * run reads, as {@code QkvDensities.allLayers(ws.cacheWith(names), ws.config(), 1)}; else an error naming the
     * first missing one and what to capture.
     */
    public synchronized ActivationCache cacheWith(Collection<String> names) {
        enter();
        ActivationCache c = runs.cache();
        for (String name : names) {
            if (names.size() > 1 && !c.contains(name) && HookPoint.pointOf(name).equals(HookPoint.QKV)) {
                throw new MissingStateException("layer " + HookPoint.layerOf(name) + "'s c_attn output was not captured;"
                        + " 'hook layer all' then 'run'");
            }
            runs.captured(name);
        }
        runs.last.handedOut();
        return c;
    }

    /** Demo 1: Q, K and V of {@code layer} (negative counts from the end) over positions {@code firstPosition..T-1}. */
    public synchronized QkvSplit split(int layer, int firstPosition) {
        int l = checked(() -> Checks.layer(layer, config().nLayer()));
        return remember(checked(() -> QkvSplitter.split(runs.captured(HookPoint.block(l, HookPoint.QKV)), config(), l, firstPosition)));
    }

    // ---- studies that run the text when they need to ----

    /** Demo 3's read-out: log-probs at {@code position} (negative counts from the end), the real next token's rank. */
    public synchronized LogProbs.AtPosition logprobs(int position, int topK) {
        if (!hasRun()) {
            runs.pass(List.of()); // only the logits are needed: run the text when nothing has run yet
        }
        long[] tokens = ids();
        int p = checked(() -> Checks.position(position, tokens.length));
        return remember(checked(() -> LogProbs.at(runs.logits(), tokens, current().tokenizer(), p, topK)));
    }

    /** A head's causal attention scores or pattern; runs the text capturing it when the last run did not. */
    public synchronized HeadAttention.Matrix attention(int layer, int head, AttentionKind kind) {
        int l = checked(() -> Checks.layer(layer, config().nLayer()));
        ActivationCache c = runs.ensure(List.of(HookPoint.block(l, kind.hookPoint())));
        return remember(checked(() -> HeadAttention.of(c, config(), l, head, kind)));
    }

    /**
     * The logit lens at {@code position} following {@code target} (-1: the real next token), with the top-token table
     * at positions {@code from..to} (each costs L+1 unembedding rows); runs the text unless the last run holds it all.
     */
    public synchronized LogitLensResult lens(int position, long target, int from, int to) {
        long[] tokens = ids();
        checked(() -> LogitLens.checkArguments(tokens.length, config().vocabSize(), position, target, from, to));
        ActivationCache c = runs.ensure(LogitLens.hooks(config().nLayer()));
        return remember(checked(() -> LogitLens.compute(c, runs.logits(), current(), tokens, position, target, from, to)));
    }

    /**
     * Direct logit attribution at {@code position} toward {@code answer}'s logit, or toward {@code answer - wrong}
     * ({@code wrong} -1: one token; {@code answer} -1: the real next token); runs the text unless the last run holds it.
     */
    public synchronized DirectLogitAttributionResult dla(int position, long answer, long wrong) {
        long[] tokens = ids();
        long a = checked(() -> DirectLogitAttribution.checkArguments(tokens, config().vocabSize(), position, answer, wrong));
        ActivationCache c = runs.ensure(DirectLogitAttribution.hooks(config().nLayer()));
        return remember(checked(() -> DirectLogitAttribution.compute(c, runs.logits(), current(), position, a, wrong)));
    }

    /** Head detection on the text ({@link HeadDetector}, TransformerLens's {@code detect_head}): one pass, nothing kept. */
    public synchronized HeadDetectResult detect(HeadDetectKind kind, boolean excludeBos, boolean excludeCurrent) {
        return detectOn(List.of(ids()), kind, excludeBos, excludeCurrent);
    }

    /** Head detection on TransformerLens's induction prompt: {@code <|endoftext|>}, {@code n} seeded tokens, again. */
    public synchronized HeadDetectResult detectRandom(HeadDetectKind kind, int n, long seed, boolean excludeBos,
                                                      boolean excludeCurrent) {
        Gpt2Config c = config();
        if (n < 1 || 2L * n + 1 > c.nPositions()) {
            throw new InvalidInputException("N must be 1.." + (c.nPositions() - 1) / 2 + " (2N+1 tokens must fit the context of "
                    + c.nPositions() + "); got " + n);
        }
        return detectOn(List.of(RepeatedRandomTokens.of(n, seed, c.vocabSize(), Math.min(50256, c.vocabSize() - 1))), kind,
                excludeBos, excludeCurrent);
    }

    HeadDetectResult detectOn(List<long[]> texts, HeadDetectKind kind, boolean excludeBos, boolean excludeCurrent) {
        Gpt2 m = current();
        try (Hooks.Scope steer = RunSlot.inForce(m, standing()); Hooks.Scope checks = runs.layerChecks(m)) {
            return remember(checked(() -> HeadDetector.detect(m, texts, kind, excludeBos, excludeCurrent)));
        }
    }

    /** Composition scores of every earlier head's OV into every later head's {@code part} input: weights only. */
    public synchronized Composition.Scores compose(QkvPart part) {
        Gpt2 m = current();
        return remember(checked(() -> Composition.of(m, part)));
    }

    // ---- experiments: sweeps, patching, generation ----

    /** Demo 3: an ablation sweep, with the changes in force (the fast path unless {@code options} asks for the oracle). */
    public synchronized SweepResult ablate(SweepSpec spec, SweepOptions options) {
        return remember(experiment(() -> AblationSweep.run(current(), standing(), spec, options)));
    }

    /** The id of {@code token} if it is one token of this model's vocabulary; else an error naming its pieces. */
    public synchronized long token(String token) {
        return checked(() -> Metric.singleToken(current().tokenizer(), token));
    }

    /** Activation patching on the text: the corrupted text, the metric, the exact and estimated grids. */
    public PatchStudies patching() {
        return patching;
    }

    /** Circuit discovery: path patching, edge attribution, circuits chosen, evaluated and swept. */
    public CircuitDiscovery discovery() {
        return discovery;
    }

    /**
     * Continues the text with a key/value cache ({@code options}: how many tokens, greedy or sampled, interventions at
     * every step after the changes in force, a listener, when to stop). Refused when the cache is over the budget.
     */
    public synchronized GenerationResult generate(GenerationOptions options) {
        Gpt2 m = current();
        long[] tokens = ids();
        m.setCaptureBudgetBytes(runs.budget);
        List<Intervention> all = new ArrayList<>(standing());
        all.addAll(options.interventions());
        return remember(checked(() -> new Generator(m).generate(tokens, options.withInterventions(all)), options.interventions()));
    }

    // ---- the prompt set ----

    /** The prompt set and the studies over it. */
    public PromptStudies prompts() {
        return prompts;
    }

    /** The SAEs loaded, what each does to the model, and their studies (see {@link Saes}). */
    public Saes saes() {
        return saes;
    }

    /** The capture budget the passes run within. */
    long captureBudget() {
        return runs.budget;
    }

    /** The check made before every layer (Ctrl-C). */
    void checkBetweenLayers() {
        runs.betweenLayers.run();
    }

    // ---- the known-answer model ----

    /** What is wired where, when the loaded model is the known-answer model (or a folder with its circuits file). */
    public synchronized Optional<KnownCircuits> circuits() {
        try {
            return Optional.ofNullable(KnownCircuits.read(current().dir()));
        } catch (java.io.IOException e) {
            throw new WorkspaceException(e.getMessage());
        }
    }

    /** Loads the known-answer model on this workspace's device and dtype (the loaded model stays) and checks jlens on it. */
    public synchronized SelfTestReport selfTest() {
        return remember(SelfTest.run(loader));
    }

    // ---- the corpus ----

    /** The corpus and the reductions over it ({@link CorpusStudies}). */
    public CorpusStudies corpus() {
        return corpus;
    }

    /** The model, for a study of the workspace's (entered as every pass is). */
    Gpt2 currentModel() {
        return current();
    }

    /** The changes in force, for a study's passes (said to the listener when there are some). */
    List<jlens.intervene.Intervention> changesInForce() {
        return standing();
    }

    // ---- results ----

    /** The record the last analysis returned (or a command computed), or null. */
    public synchronized Object lastResult() {
        return lastResult;
    }

    /** The last result as {@code type}; a {@link MissingStateException} if it is something else or there is none. */
    public synchronized <T> T lastResult(Class<T> type) {
        if (!type.isInstance(lastResult)) {
            throw new MissingStateException("the last result is " + (lastResult == null ? "nothing"
                    : "a " + lastResult.getClass().getSimpleName()) + ", not a " + type.getSimpleName());
        }
        return type.cast(lastResult);
    }

    /** Keeps {@code value} as the last result and returns it. */
    public synchronized <T> T remember(T value) {
        lastResult = value;
        return value;
    }

    /**
     * Closes the last run and the model, each now or, while another live thread holds arrays of the run, once that
     * thread has called into the workspace again (a call on a closed workspace still counts) or has ended.
     */
    @Override
    public synchronized void close() {
        enter();
        runs.last.close();
        saes.close();
        Gpt2 old = model.release();
        if (old != null) {
            runs.last.retireAfterRuns(old, modelHolders);
        }
        modelHolders.clear();
    }

    interface Step<T> {
        T get();
    }

    /**
     * The analyses' range checks ({@link IllegalArgumentException}) as {@link InvalidInputException}s, and a read-out
     * refused for non-finite values ({@link NonFiniteException}) as an {@link UndefinedResultException} that says where
     * its pass first went non-finite: the one place the rule of ARCHITECTURE.md ("Non-finite values") meets the user.
     */
    <T> T checked(Step<T> step) {
        return checked(step, List.of());
    }

    /** As {@link #checked(Step)}; {@code extra} are the refused pass's own interventions beyond the changes in force. */
    <T> T checked(Step<T> step, List<Intervention> extra) {
        try {
            return step.get();
        } catch (NonFiniteException e) {
            throw new UndefinedResultException(e.getMessage() + "; " + runs.whereNonFinite(e.ids(), extra));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** As {@link #checked}, and an experiment's refusal of a model with hooks registered as a step to take first. */
    <T> T experiment(Step<T> step) {
        try {
            return checked(step);
        } catch (java.util.concurrent.CancellationException e) {
            throw e; // Ctrl-C, not a missing step (it is an IllegalStateException too)
        } catch (IllegalStateException e) {
            throw new MissingStateException(e.getMessage());
        }
    }
}
