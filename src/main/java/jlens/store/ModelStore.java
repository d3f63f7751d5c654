package jlens.store;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jlens.store.ModelStoreException.Kind;

/**
 * Turns a model spec into a local folder the GPT-2 loader can open.
 *
 * <p>Order: a local folder; the Hugging Face cache, read as Python's huggingface_hub writes it (no network at all
 * when the files are there); then a download from the hub into that same cache, so Python tools can use what jlens
 * fetched. With {@code HF_HUB_OFFLINE=1} the network is never touched. Only safetensors weights are used.
 *
 * <pre>{@code
 * ModelStore store = ModelStore.fromSystem();
 * Cancellation cancel = new Cancellation();                  // cancel.cancel() from the Ctrl-C handler
 * ResolvedModel m = store.resolve("gpt2-large", new TextProgressBar(System.err, true, 80), cancel);
 * Gpt2.load(m.dir());                                        // config.json, model.safetensors, tokenizer.json
 * }</pre>
 */
public final class ModelStore {
    /** {@code load known} opens the bundled known-answer model (hand-set weights with named circuits). */
    public static final String KNOWN_SPEC = "known";
    /** The older name of the bundled model, kept so {@code load demo} and {@code JLENS_MODEL=demo} still work. */
    public static final String DEMO_SPEC = "demo";
    public static final String DEFAULT_SPEC = "gpt2";

    private final StoreEnv env;
    private final HfCache cache;
    private final HubClient hub;
    private final SpaceProbe space;

    /** How much disk a folder has left; a parameter so a test can pretend the disk is full. */
    @FunctionalInterface
    interface SpaceProbe {
        long usableBytes(Path existingDir) throws IOException;
    }

    public ModelStore(StoreEnv env) {
        this(env, () -> HubClient.defaultHttpClient(Duration.ofSeconds(10), env.proxies()), Duration.ofSeconds(30),
                Duration.ofSeconds(60),
                dir -> Files.getFileStore(dir).getUsableSpace());
    }

    ModelStore(StoreEnv env, HttpClient http, Duration requestTimeout, Duration stallTimeout, SpaceProbe space) {
        this(env, () -> http, requestTimeout, stallTimeout, space);
    }

    /** The HTTP client is made at the first request (a client starts a thread an offline session never needs). */
    private ModelStore(StoreEnv env, java.util.function.Supplier<HttpClient> http, Duration requestTimeout,
            Duration stallTimeout, SpaceProbe space) {
        this.env = env;
        this.cache = new HfCache(env.hubCache());
        this.hub = new HubClient(env, http, requestTimeout, stallTimeout);
        this.space = space;
    }

    /** A store configured from the process environment ({@code HF_HOME}, {@code HF_TOKEN}, ...). */
    public static ModelStore fromSystem() {
        return new ModelStore(StoreEnv.fromSystem());
    }

    public StoreEnv env() {
        return env;
    }

    public ResolvedModel resolve(String spec) throws ModelStoreException {
        return resolve(spec, ProgressListener.NONE, new Cancellation());
    }

    /**
     * Resolves a spec ({@code gpt2}, {@code ORG/NAME[@REV]}, a folder, or {@code demo}), downloading when needed
     * and allowed. Blocks until done; progress goes to {@code progress}; {@code cancel} (or interrupting this
     * thread) stops a download, keeping what was fetched so the next call resumes.
     */
    public ResolvedModel resolve(String spec, ProgressListener progress, Cancellation cancel)
            throws ModelStoreException {
        if (isBundled(spec)) {
            return bundled(null);
        }
        ModelSpec s = ModelSpec.parse(spec, env.home());
        if (s.isLocal()) {
            return local(s);
        }
        Optional<ResolvedModel> hit = fromCache(s);
        if (hit.isPresent()) {
            return hit.get();
        }
        if (env.offline()) {
            throw new ModelStoreException(Kind.OFFLINE_NOT_CACHED, "model " + s.repoId() + "@" + s.revision()
                    + " is not in the Hugging Face cache (" + env.hubCache() + ") and HF_HUB_OFFLINE is set; unset it"
                    + " to download, or copy the model's cache folder from a networked machine");
        }
        return download(s, progress, cancel);
    }

    /** The model if the cache (or the folder) already has it, without touching the network; else empty. */
    public Optional<ResolvedModel> findCached(String spec) throws ModelStoreException {
        if (isBundled(spec)) {
            return Optional.of(bundled(null));
        }
        ModelSpec s = ModelSpec.parse(spec, env.home());
        return s.isLocal() ? Optional.of(local(s)) : fromCache(s);
    }

    /**
     * The start-up model: what {@code --model}, {@code JLENS_MODEL} or the settings file name (an error there is
     * reported, not papered over); with none of them, {@code gpt2} from the cache or the hub, and the bundled
     * known-answer model when neither works (offline, no network, a refused download), with the reason in
     * {@link ResolvedModel#note()}.
     */
    public ResolvedModel resolveDefault(String cliModel, ProgressListener progress, Cancellation cancel)
            throws ModelStoreException {
        ModelChoice choice = ModelChoice.choose(cliModel, env);
        if (!choice.isDefault()) {
            try {
                return resolve(choice.spec(), progress, cancel);
            } catch (ModelStoreException e) {
                throw new ModelStoreException(e.kind(), e.getMessage() + " (model from " + choice.origin() + ")", e);
            }
        }
        try {
            return resolve(DEFAULT_SPEC, progress, cancel);
        } catch (ModelStoreException e) {
            String why = switch (e.kind()) {
                case OFFLINE_NOT_CACHED -> "offline, and gpt2 is not in the Hugging Face cache";
                case CANCELLED -> "the gpt2 download was cancelled";
                default -> "gpt2 could not be fetched: " + e.getMessage();
            };
            return bundled(why);
        }
    }

    /** Every GPT-2 model complete in the Hugging Face cache, whoever downloaded it; reads no network. */
    public List<CachedModel> listCached() {
        return cache.listGpt2();
    }

    /** {@code known} or {@code demo}: the bundled known-answer model. */
    public static boolean isBundled(String spec) {
        return spec != null && (spec.trim().equals(KNOWN_SPEC) || spec.trim().equals(DEMO_SPEC));
    }

    /** The bundled known-answer model, written into jlens's cache at first use (seconds) and reused after. */
    public ResolvedModel bundled(String note) throws ModelStoreException {
        return new ResolvedModel(KnownModel.ensure(env), KNOWN_SPEC, Source.BUNDLED, null, note);
    }

    private ResolvedModel local(ModelSpec s) throws ModelStoreException {
        Path dir = s.local();
        if (!Files.isDirectory(dir)) {
            throw new ModelStoreException(Kind.LOCAL_FOLDER, Files.exists(dir) ? dir + " is a file, not a model folder"
                    : "no such folder: " + dir + " (a model folder holds config.json, model.safetensors and"
                    + " tokenizer.json)");
        }
        List<String> missing = ModelFiles.missing(dir);
        if (missing.contains(ModelFiles.WEIGHTS) && Files.exists(dir.resolve(ModelFiles.PICKLE_WEIGHTS))) {
            throw noSafetensors(dir.toString());
        }
        if (!missing.isEmpty()) {
            throw new ModelStoreException(Kind.LOCAL_FOLDER, dir + " lacks " + String.join(", ", missing)
                    + "; a model folder needs config.json, model.safetensors and tokenizer.json");
        }
        return new ResolvedModel(dir, s.text(), Source.LOCAL, null);
    }

    private Optional<ResolvedModel> fromCache(ModelSpec s) throws ModelStoreException {
        for (String repo : cacheNames(s.repoId())) {
            Optional<HfCache.Snapshot> snap = cache.findComplete(repo, s.revision());
            if (snap.isPresent()) {
                return Optional.of(new ResolvedModel(snap.get().dir(), s.text(), Source.CACHE, snap.get().commit()));
            }
        }
        return Optional.empty();
    }

    /**
     * Names the cache may hold a repo under: the GPT-2 models moved to openai-community, but Python users who
     * typed {@code gpt2} have {@code models--gpt2}.
     */
    static List<String> cacheNames(String repoId) {
        List<String> names = new ArrayList<>(List.of(repoId));
        String prefix = "openai-community/";
        if (repoId.startsWith(prefix)) {
            names.add(repoId.substring(prefix.length()));
        }
        return names;
    }

    private ResolvedModel download(ModelSpec s, ProgressListener progress, Cancellation cancel)
            throws ModelStoreException {
        if (env.endpoint() == null) {
            throw new ModelStoreException(Kind.NETWORK, "cannot download " + s.repoId() + ": " + env.endpointProblem());
        }
        String repo = s.repoId();
        Path repoDir = cache.repoDir(repo);
        // The config's HEAD pins the commit; everything else is fetched at that commit, so a push to the repo
        // halfway through cannot mix two versions.
        FileMeta config = hub.head(repo, s.revision(), ModelFiles.CONFIG, cancel).orElseThrow(() ->
                new ModelStoreException(Kind.NOT_FOUND, "unknown model " + repo + ": the hub has no "
                        + ModelFiles.CONFIG + " for it at " + s.revision() + "; check the name"));
        String commit = config.commit();
        Path snap = cache.snapshotDir(repoDir, commit);

        Map<String, FileMeta> todo = new LinkedHashMap<>();
        for (String file : order()) {
            if (Files.isRegularFile(snap.resolve(file))) {
                continue; // already there (an earlier, interrupted run, or Python fetched part of it)
            }
            boolean required = ModelFiles.REQUIRED.contains(file);
            if (!required && cache.isMarkedMissing(repoDir, commit, file)) {
                continue;
            }
            Optional<FileMeta> meta = file.equals(ModelFiles.CONFIG) ? Optional.of(config)
                    : hub.head(repo, commit, file, cancel);
            if (meta.isPresent()) {
                todo.put(file, meta.get());
            } else if (required) {
                throw missingRequired(repo, commit, file, cancel);
            } else {
                try {
                    cache.markMissing(repoDir, commit, file);
                } catch (IOException e) {
                    // Only a hint for next time; not worth failing over.
                }
            }
        }
        checkSpace(repoDir, todo);
        for (Map.Entry<String, FileMeta> e : todo.entrySet()) {
            fetchBlob(repo, repoDir, commit, e.getKey(), e.getValue(), progress, cancel);
        }
        // Only now, with every blob verified, do the files appear in the snapshot and the ref move: a failed or
        // cancelled download leaves the snapshot as it was, and the verified blobs for the next try.
        try {
            for (Map.Entry<String, FileMeta> e : todo.entrySet()) {
                cache.link(repoDir, commit, e.getKey(), e.getValue().etag());
            }
            cache.writeRef(repoDir, s.revision(), commit);
        } catch (IOException e) {
            throw HubClient.writeError(snap.resolve(ModelFiles.CONFIG), e);
        }
        if (!ModelFiles.complete(snap)) {
            throw new ModelStoreException(Kind.IO, "the download of " + repo + " finished but " + snap + " lacks "
                    + String.join(", ", ModelFiles.missing(snap)) + "; run the same command again");
        }
        return new ResolvedModel(snap, s.text(), Source.DOWNLOAD, commit);
    }

    /**
     * A folder inside a hub repo, as SAELens's releases keep an SAE ({@code ORG/REPO[@REV]/FOLDER/...}: the repo, then the
     * folder's path in it): from the Hugging Face cache when every one of {@code files} is there, else downloaded into it
     * as a model is (each file verified, linked into the snapshot only when all are complete). Returns the folder in
     * the snapshot.
     *
     * @param files the files the folder must hold, the first one asked for first (it pins the commit)
     */
    public Path resolveFolder(String spec, List<String> files, ProgressListener progress, Cancellation cancel)
            throws ModelStoreException {
        String[] parts = folderSpec(spec);
        String repo = parts[0];
        String revision = parts[1];
        String folder = parts[2];
        Path repoDir = cache.repoDir(repo);
        String cached = Files.isDirectory(repoDir) ? cache.commitFor(repoDir, revision) : null;
        if (cached != null) {
            Path dir = SafeNames.inside(cache.snapshotDir(repoDir, cached), folder);
            if (files.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)))) {
                return dir;
            }
        }
        if (env.offline()) {
            throw new ModelStoreException(Kind.OFFLINE_NOT_CACHED, spec + " is not in the Hugging Face cache ("
                    + env.hubCache() + ") and HF_HUB_OFFLINE is set; unset it to download, or copy the cache folder over");
        }
        if (env.endpoint() == null) {
            throw new ModelStoreException(Kind.NETWORK, "cannot download " + repo + ": " + env.endpointProblem());
        }
        String first = folder + "/" + files.get(0);
        FileMeta pin = hub.head(repo, revision, first, cancel).orElseThrow(() -> new ModelStoreException(Kind.NOT_FOUND,
                repo + "@" + revision + " has no " + first + " on the hub; check the folder (SAELens releases keep one"
                        + " folder per SAE, such as blocks.8.hook_resid_pre)"));
        String commit = pin.commit();
        Path snap = cache.snapshotDir(repoDir, commit);
        Map<String, FileMeta> todo = new LinkedHashMap<>();
        for (String f : files) {
            String file = folder + "/" + f;
            if (Files.isRegularFile(SafeNames.inside(snap, file))) {
                continue;
            }
            FileMeta meta = file.equals(first) ? pin : hub.head(repo, commit, file, cancel).orElseThrow(() ->
                    new ModelStoreException(Kind.NOT_FOUND, repo + "@" + commit.substring(0, 10) + " has no " + file
                            + " on the hub"));
            todo.put(file, meta);
        }
        checkSpace(repoDir, todo);
        for (Map.Entry<String, FileMeta> e : todo.entrySet()) {
            fetchBlob(repo, repoDir, commit, e.getKey(), e.getValue(), progress, cancel);
        }
        try {
            for (Map.Entry<String, FileMeta> e : todo.entrySet()) {
                cache.link(repoDir, commit, e.getKey(), e.getValue().etag());
            }
            cache.writeRef(repoDir, revision, commit);
        } catch (IOException e) {
            throw HubClient.writeError(SafeNames.inside(snap, first), e);
        }
        return SafeNames.inside(snap, folder);
    }

    /**
     * {@code ORG/REPO[@REV]/FOLDER[/...]} as {repo id, revision, folder}, every part checked as the cache path it becomes;
     * {@code RELEASE/ID} for the SAELens releases of {@link #SAE_RELEASES} as well.
     */
    static String[] folderSpec(String spec) throws ModelStoreException {
        String s = spec == null ? "" : spec.trim();
        String[] parts = s.split("/", -1);
        if (parts.length >= 2 && SAE_RELEASES.containsKey(parts[0])) {
            s = SAE_RELEASES.get(parts[0]) + "/" + s.substring(parts[0].length() + 1);
            parts = s.split("/", -1);
        }
        if (parts.length < 3) {
            throw new ModelStoreException(Kind.INVALID_SPEC, "'" + SafeNames.printable(s) + "' is not ORG/REPO/FOLDER (a hub"
                    + " repo and the SAE's folder in it, e.g. jbloom/GPT2-Small-SAEs-Reformatted/blocks.8.hook_resid_pre)");
        }
        String name = parts[1];
        String revision = ModelSpec.DEFAULT_REVISION;
        int at = name.indexOf('@');
        if (at >= 0) {
            revision = name.substring(at + 1);
            name = name.substring(0, at);
            String why = SafeNames.checkRevision(revision);
            if (why != null) {
                throw new ModelStoreException(Kind.INVALID_SPEC, why);
            }
        }
        String repo = parts[0] + "/" + name;
        String why = SafeNames.checkRepoId(repo);
        if (why != null) {
            throw new ModelStoreException(Kind.INVALID_SPEC, why);
        }
        List<String> folder = new ArrayList<>();
        for (int i = 2; i < parts.length; i++) {
            if (!parts[i].matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}") || parts[i].contains("..")) {
                throw new ModelStoreException(Kind.INVALID_SPEC, "'" + SafeNames.printable(parts[i]) + "' is not a folder name"
                        + " jlens fetches (letters, digits, '.', '_' and '-')");
            }
            folder.add(parts[i]);
        }
        return new String[] {repo, revision, String.join("/", folder)};
    }

    /** SAELens releases for GPT-2 whose SAE ids are their folders in the repo: {@code gpt2-small-res-jb/blocks.8.hook_resid_pre}. */
    static final Map<String, String> SAE_RELEASES = Map.of(
            "gpt2-small-res-jb", "jbloom/GPT2-Small-SAEs-Reformatted");

    /** Small files first, so a bad token or name fails before the big download starts. */
    private static List<String> order() {
        List<String> files = new ArrayList<>();
        files.add(ModelFiles.CONFIG);
        files.add(ModelFiles.TOKENIZER);
        files.addAll(ModelFiles.OPTIONAL);
        files.add(ModelFiles.WEIGHTS);
        return files;
    }

    /** Puts the file's verified content at {@code blobs/ETAG}, downloading it unless it is already there. */
    private void fetchBlob(String repo, Path repoDir, String commit, String file, FileMeta meta,
            ProgressListener progress, Cancellation cancel) throws ModelStoreException {
        Path blob = cache.blob(repoDir, meta.etag());
        try (AutoCloseable lock = cache.lock(repo, meta.etag(), cancel)) {
            // Checked under the lock: another process may have just finished this very blob. The same blob may
            // also be shared with another revision already in the cache.
            if (!Files.isRegularFile(blob) || (meta.size() >= 0 && Files.size(blob) != meta.size())) {
                Path partial = cache.incomplete(repoDir, meta.etag());
                hub.download(repo, commit, file, meta, partial, progress, cancel);
                HfCache.moveAtomically(partial, blob);
            } else {
                progress.onProgress(new DownloadProgress(file, meta.size(), meta.size(), 0, true));
            }
        } catch (ModelStoreException e) {
            throw e;
        } catch (IOException e) {
            throw HubClient.writeError(blob, e);
        } catch (Exception e) {
            throw new ModelStoreException(Kind.IO, "cannot store " + file + " in " + repoDir + ": " + e.getMessage(), e);
        }
    }

    private ModelStoreException missingRequired(String repo, String commit, String file, Cancellation cancel)
            throws ModelStoreException {
        if (file.equals(ModelFiles.WEIGHTS) && hub.head(repo, commit, ModelFiles.PICKLE_WEIGHTS, cancel).isPresent()) {
            return noSafetensors(repo);
        }
        return new ModelStoreException(Kind.NOT_FOUND, "model " + repo + " has no " + file + " on the hub; jlens"
                + " needs config.json, model.safetensors and tokenizer.json (is it a GPT-2 model?)");
    }

    private static ModelStoreException noSafetensors(String where) {
        return new ModelStoreException(Kind.NO_SAFETENSORS, where + " has only pytorch_model.bin (pickle), which"
                + " jlens never loads because unpickling can run code; convert it to model.safetensors with the"
                + " safetensors package, or pick a repo that has one");
    }

    private void checkSpace(Path repoDir, Map<String, FileMeta> todo) throws ModelStoreException {
        long need = 0;
        for (FileMeta m : todo.values()) {
            if (m.size() > 0) {
                need += m.size();
                try {
                    Path partial = cache.incomplete(repoDir, m.etag());
                    if (Files.isRegularFile(partial)) {
                        need -= Math.min(m.size(), Files.size(partial));
                    }
                } catch (IOException ignored) {
                    // counted in full: the check only errs on the safe side
                }
            }
        }
        if (need <= 0) {
            return;
        }
        Path blobs = repoDir.resolve("blobs");
        long free;
        try {
            Files.createDirectories(blobs);
            free = space.usableBytes(blobs);
        } catch (IOException e) {
            throw HubClient.writeError(blobs.resolve("x"), e);
        }
        if (free < need) {
            throw new ModelStoreException(Kind.DISK_FULL, "not enough disk space: the download needs "
                    + TextProgressBar.bytes(need) + " but only " + TextProgressBar.bytes(free) + " is free in "
                    + env.hubCache() + "; free some space, or set HF_HUB_CACHE to a folder on a bigger disk");
        }
    }
}
