package jlens.workspace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleConsumer;
import jlens.intervene.Intervention;
import jlens.intervene.prompts.PromptSet;
import jlens.model.Gpt2;
import jlens.model.Gpt2Processing;
import jlens.sae.Sae;
import jlens.sae.SaeAttribution;
import jlens.sae.SaeContexts;
import jlens.sae.SaeEdit;
import jlens.sae.SaeFeatureCard;
import jlens.sae.SaeFeatures;
import jlens.sae.SaeLoadException;
import jlens.sae.SaeSplice;
import jlens.sae.SaeStats;
import jlens.sae.SaeTextCorpus;
import jlens.store.KnownSae;

/**
 * The workspace's sparse autoencoders ({@link Workspace#saes()}): the SAEs loaded (several, at different hooks), which
 * one the commands act on (the last loaded, or {@link #use}), and what each does to the model. An SAE spliced in or with
 * edited features stands among the changes in force as one entry ({@code sae NAME at HOOK: ...}) that every run honours,
 * like a steering vector; a change to it replaces its entry, and removing the entry ({@code unsteer N}) leaves the SAE
 * loaded and idle. Every call takes the workspace's lock, as the workspace's own methods do.
 */
public final class Saes {
    /** A loaded SAE and the lines worth saying about it (a model it was not trained for, BOS, processing). */
    public record Loaded(Sae sae, List<String> notes) {}

    private final Workspace ws;
    private final Map<String, Sae> loaded = new LinkedHashMap<>();
    private final Map<Sae, SaeSplice> state = new LinkedHashMap<>();
    private final Map<Sae, Integer> entry = new LinkedHashMap<>();
    private final Map<Sae, Boolean> forced = new LinkedHashMap<>();
    private final Set<Sae> known = new HashSet<>();
    private Sae current;

    Saes(Workspace ws) {
        this.ws = ws;
    }

    // ---- loading ----

    /**
     * Loads an SAE: {@code known} (the known-answer model's, beside it), a SAELens folder, or a hub folder
     * ({@code ORG/REPO[@REV]/FOLDER}, or {@code gpt2-small-res-jb/blocks.8.hook_resid_pre}), downloaded with
     * {@code downloads}' progress. It must fit the loaded model (its hook, d_in), and be for it unless {@code force}.
     *
     * @param normScale expected_average_only_in's factor, or NaN
     */
    public Loaded load(String spec, boolean force, double normScale, ModelCatalog.Downloads downloads) {
        synchronized (ws) {
            Gpt2 model = ws.current();
            Path dir;
            String name;
            if (spec.equals("known")) {
                dir = ModelCatalog.knownSae(model.dir());
                name = "known";
            } else if (looksLikeFolder(spec)) {
                dir = Path.of(spec);
                name = dir.toAbsolutePath().normalize().getFileName() == null ? spec
                        : dir.toAbsolutePath().normalize().getFileName().toString();
            } else {
                dir = ModelCatalog.saeFolder(spec, downloads);
                name = spec;
            }
            Sae sae;
            try {
                sae = Sae.load(dir, unique(name), model.device(), normScale);
            } catch (SaeLoadException e) {
                throw new InvalidInputException(e.getMessage());
            }
            try {
                String problem = fits(sae, model, force);
                if (problem != null) {
                    throw new InvalidInputException(problem);
                }
            } catch (RuntimeException e) {
                sae.close();
                throw e;
            }
            loaded.put(sae.name(), sae);
            if (spec.equals("known")) {
                known.add(sae);
            }
            state.put(sae, SaeSplice.off(sae));
            forced.put(sae, force);
            current = sae;
            return new Loaded(sae, notes(sae, model));
        }
    }

    private static boolean looksLikeFolder(String spec) {
        if (spec.startsWith("/") || spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("~")
                || spec.equals(".") || spec.equals("..")) {
            return true;
        }
        try {
            return Files.isDirectory(Path.of(spec));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    private String unique(String name) {
        String n = name;
        for (int i = 2; loaded.containsKey(n); i++) {
            n = name + "#" + i;
        }
        return n;
    }

    /** Why {@code sae} cannot run on {@code model}, in one line; null when it can. */
    private String fits(Sae sae, Gpt2 model, boolean force) {
        String width = sae.widthProblem(model.config());
        if (width != null) {
            return "SAE " + sae.name() + " does not fit " + ws.modelName() + ": " + width;
        }
        String trained = sae.config().modelName();
        if (!force && trained != null && !sameModel(trained, ws.modelName())) {
            return "SAE " + sae.name() + " is for model '" + trained + "', and the loaded model is " + ws.modelName()
                    + ": load that model, or add --force to run it on this one";
        }
        return null;
    }

    /** Whether an SAE's {@code model_name} names the loaded model (TransformerLens's gpt2-small is gpt2; folders by name). */
    static boolean sameModel(String trained, String loadedName) {
        return canonical(trained).equals(canonical(loadedName));
    }

    private static String canonical(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        int at = n.indexOf('@');
        n = at >= 0 ? n.substring(0, at) : n;
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        n = n.substring(n.lastIndexOf('/') + 1);
        return n.equals("gpt2-small") ? "gpt2" : n;
    }

    /** Lines about what the SAE expects and the session gives: processing, BOS, a model it was not checked against. */
    private List<String> notes(Sae sae, Gpt2 model) {
        List<String> out = new ArrayList<>();
        if (Boolean.TRUE.equals(forced.get(sae)) && sae.config().modelName() != null
                && !sameModel(sae.config().modelName(), ws.modelName())) {
            out.add("SAE " + sae.name() + " is for '" + sae.config().modelName() + "' and runs on " + ws.modelName()
                    + " because of --force");
        }
        Map<String, Boolean> p = sae.config().processing();
        boolean tl = model.processing() == Gpt2Processing.TL;
        List<String> differ = p.entrySet().stream().filter(e -> e.getValue() != tl).map(Map.Entry::getKey).toList();
        if (!differ.isEmpty()) {
            out.add("SAE " + sae.name() + " was trained with " + String.join(", ", differ.stream().map(k -> k + "=" + p.get(k))
                    .toList()) + "; the model runs " + model.processing().describe() + (tl ? "" : " ('load NAME --process tl')"));
        } else if (p.isEmpty() && !tl && sae.config().modelName() != null && sameModel(sae.config().modelName(), "gpt2")) {
            out.add("SAEs trained with SAELens on gpt2-small read TransformerLens's processed model; this one runs "
                    + model.processing().describe() + ": 'load gpt2 --process tl' for their numbers");
        }
        bosNote(sae, model).ifPresent(out::add);
        return out;
    }

    /** A line when the SAE was trained on texts starting with BOS and the text does not start with it. */
    private Optional<String> bosNote(Sae sae, Gpt2 model) {
        if (!sae.config().prependBos() || !ws.hasText() || ws.ids()[0] == model.tokenizer().endOfTextId()) {
            return Optional.empty();
        }
        return Optional.of("SAE " + sae.name() + " was trained on texts that start with <|endoftext|> (prepend_bos) and this"
                + " text does not: its first tokens may read differently (text \"<|endoftext|>...\" puts it first)");
    }

    /**
     * What feature {@code f} of {@code sae} stands for, when that is known by construction (the known-answer model's
     * SAE: the current token is ' went'); empty for an SAE read from elsewhere.
     */
    public Optional<FeatureLabel> label(Sae sae, int f) {
        synchronized (ws) {
            if (!known.contains(sae) || f < 0 || f >= sae.dSae()) {
                return Optional.empty();
            }
            boolean current = f < KnownSae.TOKENS;
            long id = current ? f : f - KnownSae.TOKENS;
            return Optional.of(new FeatureLabel(current ? "the current token is" : "the previous token is", id,
                    ws.current().tokenizer().pieces(new long[] {id})[0]));
        }
    }

    /** What a feature stands for: {@code the current token is} token {@code id}, whose text is {@code piece}. */
    public record FeatureLabel(String what, long id, String piece) {}

    /** The BOS line for the current SAE and text, if it applies. */
    public Optional<String> bosNote() {
        synchronized (ws) {
            return current == null || !ws.hasText() ? Optional.empty() : bosNote(current, ws.current());
        }
    }

    // ---- which SAEs ----

    /** The loaded SAEs, in the order loaded. */
    public List<Sae> list() {
        synchronized (ws) {
            return List.copyOf(loaded.values());
        }
    }

    /** The SAE the commands act on; a {@link MissingStateException} when none is loaded. */
    public Sae current() {
        synchronized (ws) {
            if (current == null) {
                throw new MissingStateException("no SAE loaded; 'sae load DIR', 'sae load ORG/REPO/FOLDER' or, on the"
                        + " known-answer model, 'sae load known'");
            }
            return current;
        }
    }

    /** Makes {@code name} the SAE the commands act on. */
    public Sae use(String name) {
        synchronized (ws) {
            current = named(name);
            return current;
        }
    }

    private Sae named(String name) {
        Sae s = loaded.get(name);
        if (s == null) {
            throw new InvalidInputException("no SAE named '" + name + "'; loaded: " + (loaded.isEmpty() ? "none"
                    : String.join(", ", loaded.keySet())));
        }
        return s;
    }

    /** What {@code sae} does to the model now. */
    public SaeSplice state(Sae sae) {
        synchronized (ws) {
            sync();
            return state.getOrDefault(sae, SaeSplice.off(sae));
        }
    }

    /** Unloads {@code name} (its changes leave the model). */
    public Sae unload(String name) {
        synchronized (ws) {
            Sae s = named(name);
            drop(s);
            return s;
        }
    }

    /** Unloads every SAE; returns them. */
    public List<Sae> unloadAll() {
        synchronized (ws) {
            List<Sae> all = List.copyOf(loaded.values());
            all.forEach(this::drop);
            return all;
        }
    }

    private void drop(Sae s) {
        Integer n = entry.remove(s);
        if (n != null) {
            ws.interventions().remove(n);
        }
        loaded.remove(s.name());
        known.remove(s);
        state.remove(s);
        forced.remove(s);
        if (current == s) {
            current = loaded.isEmpty() ? null : List.copyOf(loaded.values()).get(loaded.size() - 1);
        }
        s.close();
    }

    /** After a model change: SAEs that no longer fit are unloaded; returns the line that says so. */
    Optional<String> modelChanged(Gpt2 model) {
        List<String> gone = new ArrayList<>();
        for (Sae s : List.copyOf(loaded.values())) {
            String problem = fits(s, model, Boolean.TRUE.equals(forced.get(s)));
            if (problem != null) {
                gone.add(problem);
                drop(s);
            }
        }
        return gone.isEmpty() ? Optional.empty() : Optional.of("unloaded " + String.join("; ", gone));
    }

    /** Closes every SAE (the workspace closes). */
    void close() {
        List.copyOf(loaded.values()).forEach(Sae::close);
        loaded.clear();
        state.clear();
        entry.clear();
        current = null;
    }

    // ---- what an SAE does to the model ----

    /** Splices the current SAE's reconstruction in ({@code errorTerm}: with the error term, the model unchanged). */
    public InterventionScope.Entry on(boolean errorTerm) {
        synchronized (ws) {
            Sae s = current();
            return put(s, state(s).withMode(errorTerm ? SaeSplice.Mode.SPLICED_WITH_ERROR : SaeSplice.Mode.SPLICED));
        }
    }

    /** Takes the current SAE's reconstruction out (its feature edits stay, with the error term kept). */
    public Optional<InterventionScope.Entry> off() {
        synchronized (ws) {
            Sae s = current();
            return Optional.ofNullable(put(s, state(s).withMode(SaeSplice.Mode.OFF)));
        }
    }

    /** Adds feature edits to the current SAE (error term kept: only the edit changes the model). */
    public InterventionScope.Entry edit(List<SaeEdit> edits) {
        synchronized (ws) {
            Sae s = current();
            try {
                return put(s, state(s).plus(edits));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage());
            }
        }
    }

    /** Removes the current SAE's feature edits; returns its entry if it still stands (spliced). */
    public Optional<InterventionScope.Entry> clearEdits() {
        synchronized (ws) {
            Sae s = current();
            return Optional.ofNullable(put(s, state(s).withoutEdits()));
        }
    }

    /** Replaces {@code s}'s entry among the changes in force by one for {@code next} (none when idle). */
    private InterventionScope.Entry put(Sae s, SaeSplice next) {
        sync();
        Integer old = entry.remove(s);
        if (old != null) {
            ws.interventions().remove(old);
        }
        state.put(s, next);
        if (next.idle()) {
            return null;
        }
        InterventionScope.Entry e = ws.interventions().add("sae", next.describe(), List.of(next.intervention()));
        entry.put(s, e.number());
        return e;
    }

    /** An SAE whose entry was removed by other means ({@code unsteer}, a model change) is idle again. */
    private void sync() {
        List<Integer> standing = ws.interventions().entries().stream().map(InterventionScope.Entry::number).toList();
        for (Sae s : List.copyOf(entry.keySet())) {
            if (!standing.contains(entry.get(s))) {
                entry.remove(s);
                state.put(s, SaeSplice.off(s));
            }
        }
    }

    /** The changes in force but {@code s}'s own (what arrives at its hook, before it acts), said once. */
    List<Intervention> standingBut(Sae s) {
        sync();
        List<Intervention> all = new ArrayList<>(ws.standing());
        Integer n = entry.get(s);
        if (n != null) {
            ws.interventions().entries().stream().filter(e -> e.number() == n).findFirst()
                    .ifPresent(e -> all.removeIf(i -> e.interventions().contains(i)));
        }
        return all;
    }

    // ---- studies ----

    /** The most active features at {@code position} of the text (negative counts from the end), each with its top tokens. */
    public SaeFeatures.AtPosition features(int position, int k, int tokens) {
        synchronized (ws) {
            Sae s = current();
            Gpt2 model = ws.current();
            long[] ids = ws.ids();
            int p = ws.checked(() -> jlens.analysis.Checks.position(position, ids.length));
            SaeFeatures.Activations a = ws.checked(() -> SaeFeatures.of(model, ids, state(s), standingBut(s),
                    ws::checkBetweenLayers));
            return ws.remember(ws.checked(() -> SaeFeatures.at(model, s, a, p, k, tokens)));
        }
    }

    /** Feature {@code f} on the text: its activation at every token, its top promoted and suppressed tokens, its density. */
    public SaeFeatureCard.Card feature(int f, int k) {
        synchronized (ws) {
            Sae s = current();
            Gpt2 model = ws.current();
            long[] ids = ws.ids();
            if (f < 0 || f >= s.dSae()) {
                throw new InvalidInputException("feature " + f + " is out of range: " + s.name() + " has features 0.."
                        + (s.dSae() - 1));
            }
            SaeFeatures.Activations a = ws.checked(() -> SaeFeatures.of(model, ids, state(s), standingBut(s),
                    ws::checkBetweenLayers));
            return ws.remember(ws.checked(() -> SaeFeatureCard.of(model, s, a, f, k)));
        }
    }

    /**
     * Reconstruction statistics of the current SAE on the text, or over the prompt set ({@code overSet}), each prompt
     * alone: L0, explained variance, MSE, and with {@code SaeStats.Level.LOSS} the next-token loss and KL.
     */
    public SaeStats.Stats stats(boolean overSet, SaeStats.Level level) {
        synchronized (ws) {
            Sae s = current();
            Gpt2 model = ws.current();
            List<Intervention> standing = standingBut(s);
            List<long[]> texts;
            String over;
            if (overSet) {
                PromptSet set = ws.prompts().set();
                texts = set.ids(false);
                over = set.size() + " prompts";
            } else {
                texts = List.of(ws.ids());
                over = "the text";
            }
            SaeStats.Sums sums = SaeStats.Sums.empty(s.dIn());
            for (long[] t : texts) {
                SaeStats.Sums part = ws.checked(() -> SaeStats.of(model, new long[][] {t}, s, standing, level,
                        ws::checkBetweenLayers));
                sums = sums.plus(part);
            }
            return ws.remember(sums.stats(s.name(), over, level));
        }
    }

    /**
     * The {@code n} strongest contexts of feature {@code f} over the prompt set ({@code file} null) or a text file's
     * windows; {@code progress} hears the share read; Ctrl-C keeps what was found.
     */
    public SaeContexts.Top top(int f, Path file, int n, DoubleConsumer progress) {
        synchronized (ws) {
            Sae s = current();
            Gpt2 model = ws.current();
            if (n < 1 || n > 1000) {
                throw new InvalidInputException("N must be 1..1000, not " + n);
            }
            List<Intervention> standing = standingBut(s);
            if (file == null) {
                PromptSet set = ws.prompts().set();
                SaeContexts.Source src = SaeContexts.of(set.ids(false), "the prompt set (" + set.size() + " prompts)");
                return ws.remember(ws.checked(() -> SaeContexts.top(model, src, state(s), standing, f, n,
                        ws::checkBetweenLayers, progress)));
            }
            int window = Math.min(model.config().nPositions(), s.config().contextSize() > 0 ? s.config().contextSize() : 128);
            try (SaeTextCorpus corpus = new SaeTextCorpus(file, model.tokenizer(), window)) {
                SaeContexts.Source src = SaeContexts.of(corpus, file.getFileName() + " (windows of " + window + " tokens)");
                return ws.remember(ws.checked(() -> SaeContexts.top(model, src, state(s), standing, f, n,
                        ws::checkBetweenLayers, progress)));
            } catch (SaeLoadException e) {
                throw new InvalidInputException(e.getMessage());
            }
        }
    }

    /** Direct logit attribution through the current SAE's features at {@code position} toward A (or A - B: wrong >= 0). */
    public SaeAttribution.Result dla(int position, long answer, long wrong) {
        synchronized (ws) {
            Sae s = current();
            Gpt2 model = ws.current();
            long[] ids = ws.ids();
            return ws.remember(ws.checked(() -> SaeAttribution.of(model, ids, state(s), standingBut(s), position,
                    answer, wrong, ws::checkBetweenLayers)));
        }
    }
}
