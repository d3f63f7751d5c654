package jlens.repl;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import jlens.model.Gpt2;
import jlens.model.Gpt2Processing;
import jlens.sys.Environment;
import jlens.workspace.LoadedModel;
import jlens.workspace.ModelCatalog;
import jlens.workspace.WorkspaceException;

/** How the REPL turns a model name or folder into a loaded {@link Gpt2}: the catalog, with progress and Ctrl-C. */
public final class Models {
    private Models() {}

    /**
     * Device and dtype for loading, as typed: device auto, cpu, gpu or gpu:N; dtype f32 or f16.
     *
     * @param device null for auto
     * @param dtype  null for f32
     */
    public record Options(String device, String dtype, String process) {
        /** Unprocessed weights. */
        public Options(String device, String dtype) {
            this(device, dtype, null);
        }

        /**
         * {@code JLENS_DEVICE} and {@code JLENS_DTYPE} as {@link Environment} checked them (a word it does not know is
         * said at start and left out). Words the engine cannot use here (a GPU it does not see, f16 on the CPU) fall back
         * to the defaults, with the line why added to {@code said}, instead of refusing every load.
         */
        public static Options fromEnvironment(java.util.List<String> said) {
            return from(Environment.system(), said);
        }

        static Options from(Environment env, java.util.List<String> said) {
            Options o = new Options(env.device(), env.dtype());
            if (o.device() == null && o.dtype() == null) {
                return o;
            }
            try {
                Gpt2.LoadOptions.parse(o.device(), o.dtype());
                return o;
            } catch (IllegalArgumentException e) {
                String given = java.util.stream.Stream.of(o.device() == null ? null : Environment.DEVICE + "=" + o.device(),
                        o.dtype() == null ? null : Environment.DTYPE + "=" + o.dtype()).filter(java.util.Objects::nonNull)
                        .collect(java.util.stream.Collectors.joining(", "));
                said.add(given + ": " + e.getMessage() + "; using the defaults (auto, f32)");
                return new Options(null, null);
            }
        }

        Gpt2.LoadOptions loadOptions() {
            try {
                Gpt2.LoadOptions o = Gpt2.LoadOptions.parse(device, dtype);
                return process == null ? o : o.withProcessing(Gpt2Processing.parse(process));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
    }

    /** Names, repo ids, folders and {@code demo}, resolved (and downloaded when needed) by the model catalog. */
    public static ModelSource source(Options options) {
        return new ModelSource() {
            @Override
            public Loaded load(String spec, Session session) {
                return load(spec, session, options.loadOptions().processing());
            }

            @Override
            public Loaded load(String spec, Session session, Gpt2Processing processing) {
                Gpt2.LoadOptions o = options.loadOptions().withProcessing(processing); // processed as it loads
                return loaded(Session.user(() -> ModelCatalog.load(spec, o, downloads(session))));
            }
        };
    }

    /**
     * Loads the start-up model: {@code cliModel}, else {@code JLENS_MODEL} or the settings file, else gpt2 from
     * the cache or the hub, else the bundled known-answer model (with a banner line saying what is wired where).
     */
    static void loadStartupModel(Session s, String cliModel, Options options) {
        LoadedModel m;
        try {
            m = ModelCatalog.loadStartup(cliModel, options.loadOptions(), downloads(s));
        } catch (UserError | CancellationException e) {
            throw e;
        } catch (WorkspaceException e) {
            throw new UserError(e.getMessage());
        } catch (RuntimeException e) {
            throw Errors.toUserError(e, s.debug(), s.out());
        }
        s.useModel(m.model(), m.name(), m.note(), true);
    }

    private static ModelSource.Loaded loaded(LoadedModel m) {
        return new ModelSource.Loaded(m.model(), m.name(), m.note());
    }

    /** Download progress on the session's output, redrawn in place on a terminal; Ctrl-C cancels. */
    static ModelCatalog.Downloads downloads(Session s) {
        OutputStream bytes = new OutputStream() {
            private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

            @Override
            public void write(int b) {
                pending.write(b);
            }

            @Override
            public void flush() {
                // the bar redraws with carriage returns (raw); the file names in it come from the hub (escaped)
                String text = pending.toString(StandardCharsets.UTF_8);
                StringBuilder safe = new StringBuilder(text.length());
                for (char c : text.toCharArray()) {
                    safe.append(c == '\r' || c == '\n' ? c : jlens.chart.TerminalText.escape(c));
                }
                s.rawOut().print(safe);
                s.rawOut().flush();
                pending.reset();
            }
        };
        return new ModelCatalog.Downloads(new PrintStream(bytes, true, StandardCharsets.UTF_8), s.interactive(), s.chartWidth(),
                s::onCancel);
    }
}
