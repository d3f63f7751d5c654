package jlens.workspace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import jlens.analysis.AttentionKind;
import jlens.analysis.Checks;
import jlens.analysis.DirectLogitAttribution;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.analysis.LogitLens;
import jlens.analysis.LogitLensResult;
import jlens.analysis.Metric;
import jlens.analysis.FullWidthQkt;
import jlens.analysis.HeadAttention;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.HeadDetector;
import jlens.analysis.RepeatedRandomTokens;
import jlens.analysis.HeadSplit;
import jlens.analysis.LogProbs;
import jlens.analysis.QkvDensities;
import jlens.analysis.QkvPart;
import jlens.analysis.QkvSplit;
import jlens.analysis.QkvSplitter;
import jlens.analysis.QkvVariances;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.AblationSweep;
import jlens.intervene.Patch;
import jlens.intervene.PatchKind;
import jlens.intervene.SweepOptions;
import jlens.intervene.PatchResult;
import jlens.intervene.PatchSpec;
import jlens.intervene.generation.GenerationOptions;
import jlens.intervene.generation.GenerationResult;
import jlens.intervene.generation.Generator;
import jlens.intervene.prompts.PromptAblation;
import jlens.intervene.prompts.PromptActivationSums;
import jlens.intervene.prompts.PromptBatches;
import jlens.intervene.prompts.PromptPatchResult;
import jlens.intervene.prompts.PromptPatching;
import jlens.intervene.prompts.PromptScores;
import jlens.intervene.prompts.PromptSet;
import jlens.intervene.Steering;
import jlens.intervene.SteeringVector;
import jlens.intervene.SweepResult;
import jlens.intervene.SweepSpec;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
import jlens.store.KnownCircuits;
import jlens.intervene.prompts.Prompt;

/**
 * What a jlens user holds, in Java: a model, a text and its token ids, the hook points to capture, the last run and
 * its activations, and the last result. Every REPL command is a call on this API, so JShell, scripts and the REPL
 * reach the same code. Nothing here prints or touches a terminal; a step that cannot be done throws a
 * {@link WorkspaceException} whose message says what to do. Each analysis returns its record and keeps it as
 * {@link #lastResult()}.
 *
 * <p>The workspace is a thin facade: the model, the text, the hook set and the last run each live in a small
 * class of their own, and every analysis method is one call into {@code jlens.analysis} or
 * {@code jlens.intervene}. A new study is a new method here and a new class there.
 *
 * <p>One workspace is one session: its methods are serialised (synchronized), so two threads using it at once
 * take turns instead of closing arrays under each other's native calls.
 *
 * <p><b>Arrays handed out.</b> {@link #run()}, {@link #cache()}, {@link #logits()}, {@link #activation(String)}
 * and {@link #ensureCaptured} return the last run's own arrays (no copy). On the thread that took them they stay
 * valid until a later run replaces that run (or the text or model changes, or the workspace closes); after that,
 * using them throws DJL's {@code IllegalStateException} ("released"), never a crash. When another thread replaces
 * the run, arrays handed out to a thread that is still alive are not freed under it: the old run is retired and
 * closed on that thread's next call into the workspace (its next handout, pass or analysis: any call that reads
 * the model or the last run), or once that thread has ended. So an array stays valid at least until the thread
 * that took it calls into the workspace again, and past that call it may be freed at any moment: a thread that
 * keeps an array longer, or passes it to another thread, takes a copy it owns: {@link #activation(String, NDManager)}, {@link #logits(NDManager)}.
 * Memory: each live thread that took arrays and has not come back keeps at most one replaced run (the one current
 * when it last took arrays), and a replaced model waits for those runs.
 *
 * <p>A whole session in JShell ({@code ./jlens jshell} opens one as {@code ws}):
 *
 * <pre>{@code
 * import jlens.workspace.*; import jlens.analysis.*; import jlens.intervene.*;
 * Workspace ws = Workspace.open("gpt2");                      // from the local cache, or downloaded
 * ws.text("Be who you are and say what you feel");
 * ws.hookAll(HookPoint.QKV);                                 // attn.hook_qkv of every layer
 * ws.run();                                                  // one forward pass fills them all
 * QkvSplit split = ws.split(5);                              // demo 1: Q, K and V of layer 5
 * QkvDensities.Layer hist = ws.qkvDensity(5, 100);           //   their density histograms
 * QkvDensities.AllLayers all = ws.qkvDensities();            //   every layer on [-5, 5]
 * QkvVariances.ByLayer var = ws.variances();                 //   variance per layer
 * FullWidthQkt.Layer qkt = ws.qkt(1);                        // demo 2: QK^T / sqrt(d_head) of layer 1
 * FullWidthQkt.AllLayers stats = ws.qktAll();                //   mean, std and densities per layer
 * LogProbs.AtPosition lp = ws.logprobs(-2);                  // demo 3: the last token's log-prob at -2
 * SweepResult sweep = ws.ablate(SweepSpec.notebook(ws.config(), ws.ids(), 3)); // head 3 zeroed, layer by layer
 * HeadAttention.Matrix p = ws.pattern(0, 1);                 // layer 0 head 1's attention pattern
 * HeadDetectResult d = ws.detectRandom(HeadDetectKind.INDUCTION, 50, 0, false, false); // induction heads
 * SelfTestReport st = ws.selfTest();                         // jlens checked on the known-answer model
 * ws.close();
 * }</pre>
 */
public final class Workspace implements AutoCloseable {
    /** Default ceiling on what one run may capture (the REPL's {@code set budget}). */
    public static final long DEFAULT_CAPTURE_BUDGET = 4L << 30;

    private final ModelLoader loader;
    private final ModelSlot model = new ModelSlot();
    private final TextSlot text = new TextSlot();
    private final HookSet hooked = new HookSet();
    private final LastRun lastRun = new LastRun();
    /** Threads {@link #model()} handed the current model to (see {@link LastRun#retireAfterRuns}). */
    private final Set<Thread> modelHolders = new LinkedHashSet<>();
    private final CircuitSetup circuit = new CircuitSetup();
    private Object lastResult;
    private long captureBudgetBytes = DEFAULT_CAPTURE_BUDGET;
    private Runnable betweenLayers = () -> {};
    private final PromptSetSlot prompts = new PromptSetSlot();
    private final InterventionScope changes = new InterventionScope(this, this::changesChanged);
    private final Saes saes = new Saes(this);
    private long runVersion = -1; // the changes' version the last run was made with
    private java.util.function.Consumer<String> announce = line -> {};

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

    /** The loaded model; a {@link MissingStateException} if none is. */
    /**
     * The model, handed out: a thread that takes it is recorded, so that loading another model from a different
     * thread does not close this one under it (it is retired until the taker calls the workspace again or ends).
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

    /**
     * Loads a model by name or folder; the previous one stays loaded if this fails. Returns what became of the
     * prompt set (see {@link #use}).
     */
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
        if (model.chosen() && model.present()) {
            return Optional.of("using " + model.name() + " (chosen on the command line) rather than " + spec);
        }
        if (!ModelCatalog.isCached(spec)) {
            return Optional.of(spec + " is not on this machine; staying with " + (model.present() ? model.name() : "no model")
                    + " ('load " + spec + "' downloads it)");
        }
        return Optional.empty();
    }

    /**
     * What a script asks for when the user did not choose: loads {@code spec} if it is already on this machine and
     * no model was chosen; otherwise keeps the current model. Returns why it kept it, or empty when it loaded.
     */
    public synchronized Optional<String> prefer(String spec) {
        Optional<String> keep = keepsCurrentModel(spec);
        if (keep.isEmpty()) {
            load(spec);
        }
        return keep;
    }

    /**
     * Uses an already loaded model (tests share one); the workspace closes it only if {@code owned}. The text is
     * tokenised again, the last run and result are dropped, hook points of missing layers are unhooked. The prompt
     * set is made again from what it was made from (its file read again, {@code ioi N seed S} generated again, a
     * set given in Java tokenised again) and checked against the new tokenizer and context; when it no longer fits
     * it is dropped. Returns one line saying which, or empty when there is no set.
     */
    public synchronized Optional<String> use(Gpt2 newModel, String name, String note, boolean owned) {
        text.retokenise(newModel.tokenizer());
        circuit.retokenise(newModel.tokenizer());
        lastRun.close();
        hooked.keepLayersBelow(newModel.config().nLayer());
        lastResult = null;
        Gpt2 old = model.replace(newModel, name, note, owned);
        if (old != null) {
            lastRun.retireAfterRuns(old, modelHolders); // the old runs' arrays hang from its manager
        }
        modelHolders.clear();
        List<String> lines = new java.util.ArrayList<>();
        prompts.remake(newModel, name).ifPresent(lines::add);
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
        lastRun.close();
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

    // ---- hooks ----

    /** Exact names of the hook points the next {@link #run()} captures. */
    public synchronized List<String> hooked() {
        return hooked.list();
    }

    /** Adds hook points by exact or short name ({@code q5}, {@code pattern 3}); all are checked before any is added. */
    public synchronized List<String> hook(Collection<String> specs) {
        return hooked.add(specs, current().hooks());
    }

    public synchronized List<String> hook(String... specs) {
        return hook(List.of(specs));
    }

    /** Hooks block point {@code point} ({@link HookPoint#QKV}, ...) in every layer. */
    public synchronized List<String> hookAll(String point) {
        List<String> names = new java.util.ArrayList<>();
        for (int l = 0; l < config().nLayer(); l++) {
            names.add(HookPoint.block(l, point));
        }
        return hook(names);
    }

    /** Removes the named hook points (all when none are named); returns what was removed. */
    public synchronized List<String> unhook(Collection<String> specs) {
        return hooked.remove(specs, current().hooks());
    }

    public synchronized List<String> unhook(String... specs) {
        return unhook(List.of(specs));
    }

    // ---- changes in force ----

    /**
     * The changes in force: interventions (steering vectors, ablations) that every run of the model honours until
     * removed: the runs behind every analysis, sweeps, patching's runs, generation, prompt sets. Any change to them
     * drops the last run.
     */
    public synchronized InterventionScope interventions() {
        return changes;
    }

    /** Tells {@code listener} the line that names the changes in force, whenever a pass runs with some. */
    public synchronized void onChangesInForce(java.util.function.Consumer<String> listener) {
        announce = listener;
    }

    /** The changes in force for a pass about to run, said to the listener when there are any. */
    List<jlens.intervene.Intervention> standing() {
        List<jlens.intervene.Intervention> all = changes.all();
        if (!all.isEmpty()) {
            announce.accept(changes.describe());
        }
        return all;
    }

    /** The changes in force as hooks on {@code m} for full passes, until the scope closes. */
    private Hooks.Scope inForce(Gpt2 m) {
        Hooks.Scope scope = m.hooks().scope();
        jlens.intervene.Interventions.register(scope, standing(), () -> 0);
        return scope;
    }

    /**
     * Puts a steering vector in force (one entry of {@link #interventions()}) and keeps it as the last result, for
     * {@code save v.npy}.
     */
    public synchronized InterventionScope.Entry steer(SteeringVector v) {
        List<jlens.intervene.Intervention> list = checked(() -> v.interventions(config()));
        InterventionScope.Entry e = changes.add("steering", v.describe(), list);
        remember(v);
        return e;
    }

    /**
     * ActAdd: {@code a} - {@code b} at the residual entering {@code layer} (negative counts from the end), the shorter
     * prompt padded on the right with the token of " ", times {@code coeff}; {@code front}: added to the first
     * positions of the text, else the last position's difference at every position. Read from the model without the
     * changes in force; then put in force.
     */
    public synchronized SteeringVector steer(String a, String b, int layer, double coeff, boolean front) {
        Gpt2 m = current();
        int l = checked(() -> Checks.layer(layer, m.config().nLayer()));
        long[] pa = m.tokenizer().encode(a);
        long[] pb = m.tokenizer().encode(b);
        if (pa.length == 0 || pb.length == 0) {
            throw new InvalidInputException("both steering prompts need at least one token");
        }
        long pad = token(" ");
        String label = Metric.quote(a) + " - " + Metric.quote(b);
        SteeringVector v = checked(() -> Steering.actAdd(m, pa, pb, pad, l, coeff, front, label));
        steer(v);
        return v;
    }

    /**
     * From the prompt set's pairs (each line's text and its corrupted text) at the last token of the residual entering
     * {@code layer}: the mean difference (CAA), or with {@code pca} the first principal direction of the differences
     * (a unit vector, positives higher); then put in force.
     */
    public synchronized SteeringVector steerFromSet(int layer, double coeff, boolean pca) {
        Gpt2 m = current();
        int l = checked(() -> Checks.layer(layer, m.config().nLayer()));
        PromptSet set = prompts();
        if (!set.hasCorrupt()) {
            throw new InvalidInputException("steering from the set needs pairs: give every line a \"corrupt\" text (the"
                    + " negative of its pair)");
        }
        String label = (pca ? "first principal direction" : "mean difference") + " of " + set.size() + " pairs";
        SteeringVector v = checked(() -> Steering.fromPairs(m, set.ids(false), set.ids(true), l, pca, coeff, label));
        steer(v);
        return v;
    }

    /**
     * A vector from a {@code .npy} file: {@code [d_model]} at {@code layer} (negative counts from the end), or
     * {@code [n_layer, d_model]} for every layer with {@code layer} null; strictly read (little-endian float32 or
     * float64, finite values); then put in force.
     */
    public synchronized SteeringVector steer(java.nio.file.Path file, Integer layer, double coeff) {
        Gpt2 m = current();
        Integer l = layer == null ? null : checked(() -> Checks.layer(layer, m.config().nLayer()));
        jlens.analysis.NdData array;
        try {
            array = checked(() -> {
                try {
                    return jlens.analysis.Npy.readFloats(file);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw new InvalidInputException(file + (e.getCause() instanceof java.nio.file.NoSuchFileException
                    ? ": no such file; give the path of a .npy vector (written by 'save v.npy' or numpy.save)"
                    : ": cannot read it (" + e.getCause().getMessage() + "); check the path and its permissions"));
        }
        SteeringVector v = checked(() -> Steering.given(m, array, l == null ? -1 : l, coeff, file.getFileName().toString()));
        steer(v);
        return v;
    }

    private void changesChanged() {
        lastRun.close(); // its activations were made with other changes
    }

    // ---- runs ----

    /** Caps what one run may capture, in bytes. */
    public synchronized void captureBudgetBytes(long bytes) {
        captureBudgetBytes = bytes;
    }

    /** Runs {@code check} before every layer of a run; it may throw to stop the run (Ctrl-C). */
    public synchronized void betweenLayers(Runnable check) {
        betweenLayers = check;
    }

    /** What runs before every layer (Ctrl-C), for the passes the workspace's parts run. */
    Runnable layerCheck() {
        return betweenLayers;
    }

    // ---- sparse autoencoders ----

    /** The SAEs loaded, what each does to the model, and their studies (see {@link Saes}). */
    public synchronized Saes saes() {
        return saes;
    }

    /**
     * One forward pass of the text capturing the hooked points, replacing the last run. The run returned belongs to
     * the workspace: see the class comment for how long its arrays stay valid.
     */
    public synchronized Gpt2.Run run() {
        return run(List.of());
    }

    /** As {@link #run()}, capturing {@code extra} exact hook names as well. No hook outlives the pass. */
    public synchronized Gpt2.Run run(Collection<String> extra) {
        enter();
        Gpt2.Run run = pass(extra);
        lastRun.handedOut();
        return run;
    }

    public synchronized boolean hasRun() {
        return lastRun.present() && runVersion == changes.version();
    }

    /**
     * The last run's activations; a {@link MissingStateException} that says what to do when there are none. The
     * cache belongs to the workspace: see the class comment for how long it stays valid.
     */
    public synchronized ActivationCache cache() {
        enter();
        ActivationCache c = currentCache();
        lastRun.handedOut();
        return c;
    }

    /** The last run's logits {@code [1, T, V]}, owned by the workspace (see the class comment). */
    public synchronized NDArray logits() {
        enter();
        NDArray logits = currentLogits();
        lastRun.handedOut();
        return logits;
    }

    /**
     * A copy of the last run's logits {@code [1, T, V]} in {@code owner}: the caller's to use on any thread for as
     * long as {@code owner} is open.
     */
    public synchronized NDArray logits(NDManager owner) {
        enter();
        return copyInto(currentLogits(), owner);
    }

    /**
     * A captured activation by exact name, owned by the workspace (see the class comment); the error names the hook
     * and says how to capture it.
     */
    public synchronized NDArray activation(String exactName) {
        enter();
        NDArray a = captured(exactName);
        lastRun.handedOut();
        return a;
    }

    /**
     * A copy of a captured activation in {@code owner}: the caller's to use on any thread, for as long as
     * {@code owner} is open, whatever later runs do. The way to keep an activation or hand it to other threads.
     */
    public synchronized NDArray activation(String exactName, NDManager owner) {
        enter();
        return copyInto(captured(exactName), owner);
    }

    /**
     * Runs the text (capturing {@code names} too) unless the last run already holds every one of {@code names}; the
     * cache returned belongs to the workspace (see the class comment).
     */
    public synchronized ActivationCache ensureCaptured(Collection<String> names) {
        enter();
        ActivationCache c = capture(names);
        lastRun.handedOut();
        return c;
    }

    /** The pass behind {@link #run(Collection)}, for the workspace's own use: nothing is handed out. */
    private Gpt2.Run pass(Collection<String> extra) {
        Gpt2 m = current();
        long[] tokens = ids();
        Set<String> capture = new LinkedHashSet<>(hooked.list());
        capture.addAll(extra);
        m.setCaptureBudgetBytes(captureBudgetBytes);
        Gpt2.Run run;
        try (Hooks.Scope steer = inForce(m); Hooks.Scope checks = layerChecks(m)) {
            run = m.run(tokens, capture);
        }
        lastRun.replace(run);
        runVersion = changes.version();
        return run;
    }

    /** Hooks on {@code m} that run {@link #betweenLayers} before every layer of a pass, until the scope closes. */
    private Hooks.Scope layerChecks(Gpt2 m) {
        Hooks.Scope checks = m.hooks().scope();
        for (int l = 0; l < m.config().nLayer(); l++) {
            checks.add(HookPoint.block(l, HookPoint.RESID_PRE), (name, a) -> {
                betweenLayers.run();
                return null;
            });
        }
        return checks;
    }

    private ActivationCache currentCache() {
        if (lastRun.present() && runVersion != changes.version()) {
            lastRun.close(); // never served: it was made with other changes in force
        }
        ActivationCache c = lastRun.cache(!hooked.isEmpty());
        standing(); // what it is read from was run with these: say so
        return c;
    }

    private NDArray currentLogits() {
        currentCache();
        return lastRun.logits();
    }

    private NDArray captured(String exactName) {
        ActivationCache c = currentCache();
        if (!c.contains(exactName)) {
            String orLayers = HookPoint.pointOf(exactName).equals(HookPoint.QKV) ? " (or 'hook layer all')" : "";
            throw new MissingStateException(exactName + " was not captured; " + (hooked.contains(exactName) ? "type 'run'"
                    : "'hook " + exactName + "'" + orLayers + " then 'run'"));
        }
        return c.get(exactName);
    }

    private ActivationCache capture(Collection<String> names) {
        if (!hasRun() || !names.stream().allMatch(currentCache()::contains)) {
            pass(names);
        }
        return currentCache();
    }

    private static NDArray copyInto(NDArray a, NDManager owner) {
        NDArray copy = a.duplicate();
        copy.attach(owner);
        return copy;
    }

    /**
     * What every handout and every pass does first: closes the replaced runs (and a model let go of) that this thread
     * held, now that it is here and not inside a native op on them, and those whose holders all ended.
     */
    private void enter() {
        lastRun.reap();
    }

    // ---- analyses of the last run (demos 1 and 2), each kept as the last result ----

    /** Demo 1: Q, K and V of {@code layer} over positions {@code firstPosition..T-1} (needs its hook_qkv). */
    public synchronized QkvSplit split(int layer, int firstPosition) {
        int l = checked(() -> Checks.layer(layer, config().nLayer()));
        return remember(checked(() -> QkvSplitter.split(qkv(l), config(), l, firstPosition)));
    }

    /** {@link #split(int, int)} without position 0 (the notebook's choice). */
    public synchronized QkvSplit split(int layer) {
        return split(layer, 1);
    }

    /** One of Q, K, V of {@code layer} cut into heads. */
    public synchronized HeadSplit heads(int layer, QkvPart part, int firstPosition) {
        QkvSplit split = split(layer, firstPosition);
        return remember(QkvSplitter.heads(split, part, config().nHead()));
    }

    /** Demo 1 step 3: density histograms of Q, K and V of {@code layer}, each over its own range. */
    public synchronized QkvDensities.Layer qkvDensity(int layer, int firstPosition, int bins) {
        QkvSplit split = split(layer, firstPosition);
        return remember(checked(() -> QkvDensities.layer(split, bins)));
    }

    public synchronized QkvDensities.Layer qkvDensity(int layer, int bins) {
        return qkvDensity(layer, 1, bins);
    }

    /** As {@link #qkvDensity(int, int, int)} on the common edges {@code bins} over {@code [lo, hi]}. */
    public synchronized QkvDensities.Layer qkvDensity(int layer, int firstPosition, int bins, double lo, double hi) {
        QkvSplit split = split(layer, firstPosition);
        return remember(checked(() -> QkvDensities.layer(split, bins, lo, hi)));
    }

    /** Demo 1 steps 4-5: every layer's Q, K and V on the notebook's common edges (100 bins on [-5, 5]). */
    public synchronized QkvDensities.AllLayers qkvDensities(int firstPosition) {
        requireAllQkv();
        return remember(checked(() -> QkvDensities.allLayers(currentCache(), config(), firstPosition)));
    }

    /** As {@link #qkvDensities(int)} on common edges {@code bins} over {@code [lo, hi]}. */
    public synchronized QkvDensities.AllLayers qkvDensities(int firstPosition, int bins, double lo, double hi) {
        requireAllQkv();
        return remember(checked(() -> QkvDensities.allLayers(currentCache(), config(), firstPosition, bins, lo, hi)));
    }

    /** {lo, hi} of every layer's Q, K and V values from {@code firstPosition}: the edges of {@code hist all --auto}. */
    public synchronized double[] qkvValueRange(int firstPosition) {
        requireAllQkv();
        return QkvDensities.valueRange(currentCache(), config(), firstPosition);
    }

    public synchronized QkvDensities.AllLayers qkvDensities() {
        return qkvDensities(1);
    }

    /** Demo 1 steps 4 and 6: unbiased variance of Q, K and V per layer. */
    public synchronized QkvVariances.ByLayer variances(int firstPosition) {
        requireAllQkv();
        return remember(checked(() -> QkvVariances.compute(currentCache(), config(), firstPosition)));
    }

    public synchronized QkvVariances.ByLayer variances() {
        return variances(1);
    }

    /** Demo 2 steps 1-2: the notebook's full-width {@code q @ k^T / sqrt(d_head)} of {@code layer}. */
    public synchronized FullWidthQkt.Layer qkt(int layer, int firstPosition) {
        int l = checked(() -> Checks.layer(layer, config().nLayer()));
        qkv(l);
        return remember(checked(() -> FullWidthQkt.layer(currentCache(), config(), l, firstPosition)));
    }

    public synchronized FullWidthQkt.Layer qkt(int layer) {
        return qkt(layer, 1);
    }

    /** Demo 2 steps 3-4: mean, std and {@code bins}-bin densities of QK^T and its softmax, per layer. */
    public synchronized FullWidthQkt.AllLayers qktAll(int firstPosition, int bins) {
        requireAllQkv();
        return remember(checked(() -> FullWidthQkt.allLayers(currentCache(), config(), firstPosition, bins)));
    }

    public synchronized FullWidthQkt.AllLayers qktAll() {
        return qktAll(1, 20);
    }

    // ---- analyses that run the text when needed ----

    /** Demo 3's read-out: log-probs at {@code position} (negative counts from the end), the real next token's rank. */
    public synchronized LogProbs.AtPosition logprobs(int position, int topK) {
        if (!hasRun()) {
            pass(List.of()); // only the logits are needed: run the text when nothing has run yet
        }
        long[] tokens = ids();
        int p = checked(() -> Checks.position(position, tokens.length));
        return remember(checked(() -> LogProbs.at(currentLogits(), tokens, current().tokenizer(), p, topK)));
    }

    public synchronized LogProbs.AtPosition logprobs(int position) {
        return logprobs(position, 10);
    }

    /** A head's causal attention scores or pattern; runs the text capturing it when the last run did not. */
    public synchronized HeadAttention.Matrix attention(int layer, int head, AttentionKind kind) {
        int l = checked(() -> Checks.layer(layer, config().nLayer()));
        ActivationCache c = capture(List.of(HookPoint.block(l, kind.hookPoint())));
        return remember(checked(() -> HeadAttention.of(c, config(), l, head, kind)));
    }

    public synchronized HeadAttention.Matrix pattern(int layer, int head) {
        return attention(layer, head, AttentionKind.PATTERN);
    }

    // ---- interventions ----

    /** Demo 3: an ablation sweep on the unhooked model (fast path unless {@code options} asks for the naive loop). */
    public synchronized SweepResult ablate(SweepSpec spec, SweepOptions options) {
        return remember(patching(() -> AblationSweep.run(current(), standing(), spec, options)));
    }

    public synchronized SweepResult ablate(SweepSpec spec) {
        return ablate(spec, SweepOptions.defaults());
    }

    // ---- head detection and the selftest ----

    /**
     * Head detection on the text ({@link HeadDetector}: TransformerLens's {@code detect_head}): for every layer and
     * head, the share of its attention on {@code kind}'s pattern. One pass, nothing captured.
     */
    public synchronized HeadDetectResult detect(HeadDetectKind kind, boolean excludeBos, boolean excludeCurrent) {
        long[] tokens = ids();
        Gpt2 m = current();
        try (Hooks.Scope steer = inForce(m)) {
            return remember(checked(() -> HeadDetector.detect(m, List.of(tokens), kind, excludeBos, excludeCurrent)));
        }
    }

    /**
     * Head detection on TransformerLens's induction prompt: the first token ({@code <|endoftext|>}), {@code n}
     * tokens drawn from the whole vocabulary with {@code seed}, then the same {@code n} again.
     */
    public synchronized HeadDetectResult detectRandom(HeadDetectKind kind, int n, long seed, boolean excludeBos,
                                         boolean excludeCurrent) {
        Gpt2Config c = config();
        if (n < 1 || 2L * n + 1 > c.nPositions()) {
            throw new InvalidInputException("N must be 1.." + (c.nPositions() - 1) / 2 + " (2N+1 tokens must fit the context of "
                    + c.nPositions() + "); got " + n);
        }
        long[] tokens = RepeatedRandomTokens.of(n, seed, c.vocabSize(), Math.min(50256, c.vocabSize() - 1));
        Gpt2 m = current();
        try (Hooks.Scope steer = inForce(m)) {
            return remember(checked(() -> HeadDetector.detect(m, List.of(tokens), kind, excludeBos, excludeCurrent)));
        }
    }

    /** What is wired where, when the loaded model is the known-answer model (or a folder with its circuits file). */
    public synchronized Optional<KnownCircuits> circuits() {
        try {
            return Optional.ofNullable(KnownCircuits.read(current().dir()));
        } catch (java.io.IOException e) {
            throw new WorkspaceException(e.getMessage());
        }
    }

    /**
     * Loads the known-answer model on this workspace's device and dtype (the loaded model stays) and checks jlens
     * against it: see {@link SelfTest}. On a new GPU server, {@code --device gpu} makes this the check that the
     * tools find what is there.
     */
    public synchronized SelfTestReport selfTest() {
        LoadedModel known;
        try {
            known = loader.load(jlens.store.ModelStore.KNOWN_SPEC);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new WorkspaceException(e.getMessage());
        }
        try (Gpt2 m = known.model()) {
            KnownCircuits wired = KnownCircuits.read(m.dir());
            if (wired == null) {
                throw new WorkspaceException(m.dir() + " has no " + KnownCircuits.FILE + "; delete the folder and retry");
            }
            return remember(SelfTest.withKnownSae(SelfTest.run(m, wired), m));
        } catch (java.io.IOException e) {
            throw new WorkspaceException(e.getMessage());
        }
    }

    // ---- circuits: activation patching, the logit lens, direct logit attribution ----

    /**
     * Sets the corrupted text that {@link #patch} runs and patches the text's activations into; it must have as many
     * tokens as the text (checked here when there is a text, and again by every patch).
     */
    public synchronized void corrupt(String corruptedText) {
        circuit.corrupt(corruptedText, () -> current().tokenizer(), hasText() ? ids() : null);
    }

    /** The corrupted text, or null. */
    public synchronized String corruptText() {
        return circuit.corruptText();
    }

    public synchronized boolean hasCorrupt() {
        return circuit.hasCorrupt();
    }

    /** The corrupted text's token ids; a {@link MissingStateException} if there is none. */
    public synchronized long[] corruptIds() {
        return circuit.corruptIds();
    }

    /** The id of {@code token} if it is one token of this model's vocabulary; else an error naming its pieces. */
    public synchronized long token(String token) {
        return checked(() -> Metric.singleToken(current().tokenizer(), token));
    }

    /** Sets what patching measures. */
    public synchronized Metric metric(Metric metric) {
        checked(() -> {
            metric.checkVocabulary(config().vocabSize());
            return hasText() ? metric.at(ids().length) : 0;
        });
        circuit.metric(metric);
        return metric;
    }

    /** The metric patching measures; a {@link MissingStateException} if none was set. */
    public synchronized Metric metric() {
        return circuit.metric();
    }

    public synchronized boolean hasMetric() {
        return circuit.hasMetric();
    }

    /** {@code logit[answer] - logit[wrong]} at {@code position} (negative counts from the end; -1 is the last). */
    public synchronized Metric metricLogitDiff(String answer, String wrong, int position) {
        return metric(Metric.logitDiff(token(answer), token(wrong), position));
    }

    /** {@code log p(token)} at {@code position}. */
    public synchronized Metric metricLogprob(String token, int position) {
        return metric(Metric.logprob(token(token), position));
    }

    /** The patching experiment on the text (clean), the corrupted text and the metric. */
    public synchronized PatchSpec patchSpec(PatchKind kind) {
        long[] clean = ids();
        long[] corrupt = corruptIds();
        Metric m = metric();
        return checked(() -> new PatchSpec(clean, corrupt, kind, m));
    }

    /** Activation patching, exact (the fast path, or the naive loop when {@code options} asks). */
    public synchronized PatchResult patch(PatchKind kind, SweepOptions options) {
        PatchSpec spec = patchSpec(kind);
        return remember(patching(() -> Patch.run(current(), standing(), spec, options)));
    }

    public synchronized PatchResult patch(PatchKind kind) {
        return patch(kind, SweepOptions.patching());
    }

    /**
     * Patching's conservation check: the text patched into itself gives the clean metric in every cell. Returns
     * the largest |m - m_clean| over the cells of {@code kind}.
     */
    public synchronized double patchSelfCheck(PatchKind kind) {
        long[] clean = ids();
        Metric m = metric();
        PatchResult r = patching(() -> Patch.run(current(), standing(), new PatchSpec(clean, clean, kind, m), SweepOptions.patching()));
        double max = 0;
        for (double v : r.raw()) {
            max = Math.max(max, Math.abs(v - r.mClean()));
        }
        return max;
    }

    /** Attribution patching: every cell estimated from one backward pass. */
    public synchronized PatchResult patchApprox(PatchKind kind, SweepOptions options) {
        PatchSpec spec = patchSpec(kind);
        return remember(patching(() -> Patch.approximate(current(), standing(), spec, options)));
    }

    public synchronized PatchResult patchApprox(PatchKind kind) {
        return patchApprox(kind, SweepOptions.patching());
    }

    /**
     * The logit lens at {@code position} following {@code target} (-1: the real next token); reads the last run if
     * it holds every layer's resid_pre and the final residual, else runs the text capturing them.
     */
    public synchronized LogitLensResult lens(int position, long target) {
        return lens(position, target, 0, ids().length - 1);
    }

    /**
     * As {@link #lens(int, long)}, with the top-token table at positions {@code from..to} only: each position
     * costs L+1 unembedding rows, so a screen's worth is much cheaper than every position of a long text.
     */
    public synchronized LogitLensResult lens(int position, long target, int from, int to) {
        long[] tokens = ids();
        if (from < 0 || to >= tokens.length || from > to) {
            throw new InvalidInputException("the lens table's positions " + from + ".." + to + " are not within 0.."
                    + (tokens.length - 1));
        }
        int p = checked(() -> Checks.position(position, tokens.length));
        if (target < 0 && p + 1 >= tokens.length) { // said before the text is run
            throw new InvalidInputException("position " + p + " is the last token, so there is no real next token to follow; "
                    + "give a target token (lens -1 \" Paris\") or use an earlier position");
        }
        checkToken(target);
        ActivationCache c = capture(LogitLens.hooks(config().nLayer()));
        return remember(checked(() -> LogitLens.compute(c, currentLogits(), current(), tokens, position, target, from, to)));
    }

    /** The logit lens at position -2 following the last token (the notebook's read-out). */
    public synchronized LogitLensResult lens() {
        return lens(-2, -1);
    }

    /**
     * Direct logit attribution at {@code position} toward {@code answer}'s logit, or toward {@code answer - wrong}
     * ({@code wrong} -1 for a single token); runs the text capturing what it needs unless the last run holds it.
     */
    public synchronized DirectLogitAttributionResult dla(int position, long answer, long wrong) {
        long[] tokens = ids();
        checked(() -> Checks.position(position, tokens.length)); // said before the text is run
        checkToken(answer);
        checkToken(wrong);
        ActivationCache c = capture(DirectLogitAttribution.hooks(config().nLayer()));
        return remember(checked(() -> DirectLogitAttribution.compute(c, currentLogits(), current(), position, answer, wrong)));
    }

    /** Direct logit attribution at {@code position} toward the real next token's logit. */
    public synchronized DirectLogitAttributionResult dla(int position) {
        long[] tokens = ids();
        int p = checked(() -> Checks.position(position, tokens.length));
        if (p + 1 >= tokens.length) {
            throw new InvalidInputException("position " + p + " is the last token, so there is no real next token to "
                    + "attribute; give a token (dla -1 \" Paris\") or use an earlier position");
        }
        return dla(p, tokens[p + 1], -1);
    }

    private void checkToken(long id) {
        if (id >= config().vocabSize()) {
            throw new InvalidInputException("token id " + id + " is outside the vocabulary 0.." + (config().vocabSize() - 1));
        }
    }

    // ---- generation ----

    /**
     * Continues the text with a key/value cache: {@code options} says how many tokens, greedy or sampled, which
     * interventions apply at every step, who hears each token and when to stop (what was generated is kept).
     * Hooks registered on the model apply at every step too. Refused before the pass when the cache is over the
     * capture budget.
     */
    public synchronized GenerationResult generate(GenerationOptions options) {
        Gpt2 m = current();
        long[] tokens = ids();
        m.setCaptureBudgetBytes(captureBudgetBytes);
        List<jlens.intervene.Intervention> all = new java.util.ArrayList<>(standing());
        all.addAll(options.interventions()); // the changes in force first, then the generation's own
        return remember(checked(() -> new Generator(m).generate(tokens, options.withInterventions(all))));
    }

    /** {@code n} greedy tokens after the text. */
    public synchronized GenerationResult generate(int n) {
        return generate(GenerationOptions.greedy(n));
    }

    // ---- prompt sets ----

    /** The current prompt set; a {@link MissingStateException} when none was given. */
    public synchronized PromptSet prompts() {
        return prompts.get();
    }

    public synchronized boolean hasPrompts() {
        return prompts.present();
    }

    /**
     * Reads a prompt set (one prompt per line, or JSON Lines with text, corrupt, answer, wrong) and makes it current;
     * a model change reads the file again.
     */
    public synchronized PromptSet prompts(java.nio.file.Path file) {
        Gpt2 m = current();
        return checked(() -> prompts.read(file, m));
    }

    /** Makes {@code n} IOI-style prompts (seeded) the current set; a model change generates them again. */
    public synchronized PromptSet promptsIoi(int n, long seed) {
        Gpt2 m = current();
        return checked(() -> prompts.ioi(n, seed, m));
    }

    /** Makes a set built in Java the current one; a model change tokenises its texts again. */
    public synchronized PromptSet prompts(PromptSet set) {
        return prompts.given(set);
    }

    /** Per-prompt next-token scores of the set (answer and wrong log-probs, logit difference) and their means. */
    public synchronized PromptScores setScores(boolean corrupt) {
        PromptSet set = prompts();
        return remember(checked(() -> batches().scores(set, corrupt, standing())));
    }

    /** Sums (hence means) over the set of the activation at {@code hook}, by position; within the capture budget. */
    public synchronized PromptActivationSums setMeans(String hook) {
        PromptSet set = prompts();
        return remember(checked(() -> batches().sums(set, hook, false, standing())));
    }

    /** Mean ablation over the set: head {@code head} of {@code layer} replaced by its set mean at {@code position} (-1: all). */
    public synchronized PromptAblation ablateMean(int layer, int head, int position) {
        PromptSet set = prompts();
        return remember(checked(() -> batches().meanAblation(set, layer, head, position, standing())));
    }

    /**
     * The patching experiment of every prompt of the set (its clean and corrupted ids, its metric: its own
     * {@code logit[answer] - logit[wrong]} at its last token, else the session's metric), checked before anything
     * runs: a corrupted prompt on every line, a metric, and for per-position kinds one token count.
     */
    public synchronized List<PatchSpec> patchSetSpecs(PatchKind kind) {
        PromptSet set = prompts();
        Metric fallback = hasMetric() ? metric() : null;
        return checked(() -> PromptPatching.specs(set, kind, fallback));
    }

    /**
     * Activation patching over the prompt set ({@link PromptPatching}): each prompt's clean activations into its
     * corrupted run, the mean grid normalised with the set's mean clean and corrupted metric, and each prompt's
     * metrics.
     */
    public synchronized PromptPatchResult patchSet(PatchKind kind, SweepOptions options) {
        PromptSet set = prompts();
        Metric fallback = hasMetric() ? metric() : null;
        return remember(patching(() -> PromptPatching.run(current(), standing(), set, kind, fallback, options)));
    }

    public synchronized PromptPatchResult patchSet(PatchKind kind) {
        return patchSet(kind, SweepOptions.patching());
    }

    /**
     * Head detection over the prompt set: the mean of each prompt's scores (TransformerLens's {@code detect_head}
     * over several prompts), one prompt at a time; Ctrl-C is checked before every layer.
     */
    public synchronized HeadDetectResult detectSet(HeadDetectKind kind, boolean excludeBos, boolean excludeCurrent) {
        PromptSet set = prompts();
        jlens.intervene.prompts.Prompt shortOne = set.firstShorterThan(2);
        if (shortOne != null) {
            throw new InvalidInputException("head detection needs prompts of at least 2 tokens; line " + shortOne.line()
                    + " of the prompt set has " + shortOne.length() + ": give longer prompts");
        }
        Gpt2 m = current();
        try (Hooks.Scope steer = inForce(m); Hooks.Scope checks = layerChecks(m)) {
            return remember(checked(() -> HeadDetector.detect(m, set.ids(false), kind, excludeBos, excludeCurrent)));
        }
    }

    /** Set passes check for Ctrl-C between batches, and capture within the budget. */
    private PromptBatches batches() {
        Gpt2 m = current();
        m.setCaptureBudgetBytes(captureBudgetBytes);
        return new PromptBatches(m, PromptBatches.DEFAULT_BATCH, () -> {
            betweenLayers.run();
            return false;
        });
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
        lastRun.close();
        saes.close();
        Gpt2 old = model.release();
        if (old != null) {
            lastRun.retireAfterRuns(old, modelHolders);
        }
        modelHolders.clear();
    }

    // ---- helpers ----

    /** The captured {@code hook_qkv} of layer {@code l}, resolved once. */
    private NDArray qkv(int l) {
        return captured(HookPoint.block(l, HookPoint.QKV));
    }

    /** Checks that every layer's c_attn output was captured, before anything is computed. */
    private void requireAllQkv() {
        ActivationCache c = currentCache();
        for (int l = 0; l < config().nLayer(); l++) {
            if (!c.contains(HookPoint.block(l, HookPoint.QKV))) {
                throw new MissingStateException("layer " + l + "'s c_attn output was not captured; 'hook layer all' then 'run'");
            }
        }
    }

    interface Step<T> {
        T get();
    }

    /** The analyses' range checks ({@link IllegalArgumentException}) as {@link InvalidInputException}s. */
    static <T> T checked(Step<T> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** As {@link #checked}, and patching's refusal of a model with hooks registered as a step to take first. */
    private static <T> T patching(Step<T> step) {
        try {
            return checked(step);
        } catch (IllegalStateException e) {
            throw new MissingStateException(e.getMessage());
        }
    }
}
