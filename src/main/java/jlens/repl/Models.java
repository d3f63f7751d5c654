package jlens.repl;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import jlens.model.Gpt2;
import jlens.store.Cancellation;
import jlens.store.ModelStore;
import jlens.store.ModelStoreException;
import jlens.store.ProgressListener;
import jlens.store.ResolvedModel;
import jlens.store.TextProgressBar;

/** How the REPL turns a model name or folder into a loaded {@link Gpt2} (through the model store). */
public final class Models {
    private static ModelStore store;

    private Models() {}

    /**
     * One store per process, made before any JShell snippet runs: its HTTP client starts a selector thread, and
     * JShell's local engine waits for every thread a snippet started before it returns, so a store first made
     * inside a snippet ({@code session.prefer(...)}) would hang the prompt.
     */
    static synchronized ModelStore store() {
        if (store == null) {
            store = ModelStore.fromSystem();
        }
        return store;
    }

    /**
     * Device and dtype for loading, as typed: device auto, cpu, gpu or gpu:N; dtype f32, f16 or bf16.
     *
     * @param device null for auto
     * @param dtype  null for f32
     */
    public record Options(String device, String dtype) {
        public static Options fromEnvironment() {
            return new Options(System.getenv("JLENS_DEVICE"), System.getenv("JLENS_DTYPE"));
        }

        Gpt2.LoadOptions loadOptions() {
            try {
                return Gpt2.LoadOptions.parse(device, dtype);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
    }

    /** Names, repo ids, folders and {@code demo}, resolved (and downloaded when needed) by the model store. */
    public static ModelSource source(Options options) {
        return (spec, session) -> {
            ResolvedModel m = resolve(session, store -> store.resolve(spec, progress(session), cancellation(session)));
            return loaded(m, options);
        };
    }

    /**
     * Loads the start-up model: {@code cliModel}, else {@code JLENS_MODEL} or the settings file, else gpt2 from
     * the cache or the hub, else the bundled demo model (with a banner line saying so).
     */
    static void loadStartupModel(Session s, String cliModel, Options options) {
        ResolvedModel m = resolve(s, store -> store.resolveDefault(cliModel, progress(s), cancellation(s)));
        ModelSource.Loaded loaded;
        try {
            loaded = loaded(m, options);
        } catch (RuntimeException e) {
            throw Errors.toUserError(e, s.debug(), s.out());
        }
        s.useModel(loaded.model(), loaded.name(), loaded.note(), true);
    }

    private interface StoreCall {
        ResolvedModel call(ModelStore store) throws ModelStoreException;
    }

    private static ResolvedModel resolve(Session s, StoreCall call) {
        try {
            return call.call(store());
        } catch (ModelStoreException e) {
            if (e.kind() == ModelStoreException.Kind.CANCELLED) {
                throw new java.util.concurrent.CancellationException("download cancelled; what was fetched is kept for next time");
            }
            throw new UserError(Errors.firstLine(e.getMessage()));
        }
    }

    private static ModelSource.Loaded loaded(ResolvedModel m, Options options) {
        Gpt2 model = Gpt2.load(m.dir(), options.loadOptions());
        String note = m.isDemo() ? m.bannerLine() : null;
        return new ModelSource.Loaded(model, m.spec(), note);
    }

    /** Download progress on the session's output, redrawn in place on a terminal. */
    private static ProgressListener progress(Session s) {
        OutputStream bytes = new OutputStream() {
            private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

            @Override
            public void write(int b) {
                pending.write(b);
            }

            @Override
            public void flush() {
                s.out().print(pending.toString(StandardCharsets.UTF_8));
                s.out().flush();
                pending.reset();
            }
        };
        return new TextProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), s.interactive(), s.chartWidth());
    }

    /** The store's cancellation, set by Ctrl-C (which also interrupts the thread). */
    private static Cancellation cancellation(Session s) {
        Cancellation c = new Cancellation();
        s.onCancel(c::cancel);
        return c;
    }
}
