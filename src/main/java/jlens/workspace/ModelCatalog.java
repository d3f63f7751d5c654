package jlens.workspace;

import java.io.PrintStream;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import jlens.model.Gpt2;
import java.nio.file.Path;
import jlens.store.Cancellation;
import jlens.store.KnownSae;
import jlens.store.ModelStore;
import jlens.store.ModelStoreException;
import jlens.store.ProgressListener;
import jlens.store.ResolvedModel;
import jlens.store.TextProgressBar;

/** Model names, repo ids and folders, found in the local cache or downloaded by the model store, then loaded. */
public final class ModelCatalog {
    private static ModelStore store;

    private ModelCatalog() {}

    /**
     * One store per process, made before any JShell snippet runs: its HTTP client starts a selector thread, and
     * JShell's local engine waits for every thread a snippet started before it returns, so a store first made
     * inside a snippet ({@code prefer(...)}) would hang the prompt. Call this early.
     */
    public static synchronized void open() {
        store();
    }

    static synchronized ModelStore store() {
        if (store == null) {
            store = ModelStore.fromSystem();
        }
        return store;
    }

    /**
     * Where download progress goes, and how a download learns that it should stop.
     *
     * @param progress    where the progress bar is drawn
     * @param interactive redraw the bar in place (a terminal), else only the final lines
     * @param width       columns for the bar
     * @param onCancel    registers the download's cancel action (called on Ctrl-C)
     */
    public record Downloads(PrintStream progress, boolean interactive, int width, Consumer<Runnable> onCancel) {
        /** Progress on standard output, no cancellation. */
        public static Downloads toStandardOutput() {
            return new Downloads(System.out, false, 80, r -> {});
        }
    }

    /** Whether {@code spec} is on this machine already (no download needed). */
    public static boolean isCached(String spec) {
        try {
            return store().findCached(spec).isPresent();
        } catch (ModelStoreException e) {
            return false;
        }
    }

    /** A loader for {@link Workspace}: names, repo ids, folders and {@code demo}, downloaded when needed. */
    public static ModelLoader loader(Gpt2.LoadOptions options, Downloads downloads) {
        return spec -> load(spec, options, downloads);
    }

    /** Resolves (downloading if needed) and loads {@code spec}. */
    public static LoadedModel load(String spec, Gpt2.LoadOptions options, Downloads downloads) {
        Cancellation c = cancellation(downloads);
        return loaded(resolve(() -> store().resolve(spec, progress(downloads), c)), options);
    }

    /**
     * The start-up model: {@code cliModel}, else {@code JLENS_MODEL} or the settings file, else gpt2 from the cache
     * or the hub, else the bundled known-answer model (whose note says what is wired where).
     */
    public static LoadedModel loadStartup(String cliModel, Gpt2.LoadOptions options, Downloads downloads) {
        Cancellation c = cancellation(downloads);
        return loaded(resolve(() -> store().resolveDefault(cliModel, progress(downloads), c)), options);
    }

    /**
     * An SAE folder from the hub ({@code ORG/REPO[@REV]/FOLDER}, SAELens's release layout), from the Hugging Face cache
     * or downloaded into it with progress (Ctrl-C stops and keeps what was fetched).
     */
    public static Path saeFolder(String spec, Downloads downloads) {
        Cancellation c = cancellation(downloads);
        return resolve(() -> store().resolveFolder(spec, SAE_FILES, progress(downloads), c));
    }

    /** The files of an SAE folder, the config first (asked for first, it pins the commit). */
    private static final java.util.List<String> SAE_FILES = java.util.List.of("cfg.json", "sae_weights.safetensors");

    /** The known-answer model's SAE, beside the known model in {@code modelDir} (written at first use, hash-verified). */
    public static Path knownSae(Path modelDir) {
        return resolve(() -> KnownSae.ensureBeside(modelDir));
    }

    private interface StoreCall<T> {
        T call() throws ModelStoreException;
    }

    private static <T> T resolve(StoreCall<T> call) {
        try {
            return call.call();
        } catch (ModelStoreException e) {
            if (e.kind() == ModelStoreException.Kind.CANCELLED) {
                throw new CancellationException("download cancelled; what was fetched is kept for next time");
            }
            throw new InvalidInputException(firstLine(e.getMessage()));
        }
    }

    private static LoadedModel loaded(ResolvedModel m, Gpt2.LoadOptions options) {
        Gpt2 model = Gpt2.load(m.dir(), options);
        return new LoadedModel(model, m.spec(), m.isBundled() ? m.bannerLine() : null);
    }

    private static ProgressListener progress(Downloads d) {
        return new TextProgressBar(d.progress(), d.interactive(), d.width());
    }

    private static Cancellation cancellation(Downloads d) {
        Cancellation c = new Cancellation();
        d.onCancel().accept(c::cancel);
        return c;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return null;
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
