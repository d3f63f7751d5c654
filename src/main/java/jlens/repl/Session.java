package jlens.repl;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;
import jlens.model.Gpt2;
import jlens.workspace.LoadedModel;
import jlens.workspace.ModelCatalog;
import jlens.workspace.Workspace;
import jlens.workspace.WorkspaceException;

/**
 * A REPL session: a {@link Workspace} (the model, text, hooks, last run and result: the Java API), a
 * {@link Console} (output, width, colour, drawing), the command registry that turns typed lines into workspace
 * calls, and the REPL's own state (settings, Ctrl-C, the last drawing and figure, the interpreter and viewer).
 * JShell users and scripts reach the workspace with {@link #workspace()}, and run command lines with
 * {@link #exec(String)}.
 *
 * <p>A command either succeeds or leaves the session as it was: new state is built first and swapped in last.
 */
public final class Session extends SessionScreen implements AutoCloseable {
    private final CommandRegistry commands;
    private final CancelFlag cancel = new CancelFlag();
    private final Workspace workspace;
    private final ModelSource modelSource;
    private boolean debug;

    private Result lastResult;

    private boolean quitRequested;
    private boolean changesSaid; // the line naming the changes in force, once per command
    private Interpreter interpreter;
    private Viewer viewer = Viewer.NONE;
    private final Tour tour = new Tour(this);

    public Session(PrintWriter out, ModelSource modelSource) {
        super(out);
        this.commands = Commands.registry();
        this.modelSource = modelSource;
        this.workspace = new Workspace(spec -> {
            ModelSource.Loaded l = modelSource.load(spec, this);
            return new LoadedModel(l.model(), l.name(), l.note());
        });
        workspace.betweenLayers(this::checkCancelled);
        workspace.interventions().onChangesInForce(this::sayChangesInForce);
        ModelCatalog.open(); // made here, outside any JShell snippet (see ModelCatalog.open)
    }

    /** The Java API under this session: what the commands call, with the same model, text, hooks and last run. */
    public Workspace workspace() {
        return workspace;
    }

    // ---- running command lines ----

    /**
     * Runs one command line, as typed at the prompt. Blank lines and comments ({@code #}, {@code //}) do
     * nothing.
     *
     * @throws UserError when the line is wrong or the command fails; the session is then unchanged
     */
    public void exec(String line) {
        exec(line, true);
    }

    /**
     * Runs a command line from inside another command ({@code tour}'s steps): what was printed before it still counts
     * against the screen, so its chart leaves the lines above it in view.
     */
    void execWithin(String line) {
        exec(line, false);
    }

    private void exec(String line, boolean newCommand) {
        List<String> words = Words.split(line.strip());
        if (words.isEmpty() || isComment(line)) {
            return;
        }
        String name = words.get(0);
        Command c = commands.find(name).orElseThrow(() -> unknown(name));
        workspace.captureBudgetBytes(settings.captureBudgetBytes());
        if (newCommand) {
            console.commandStarted();
        }
        changesSaid = false;
        try {
            c.action().run(this, new Args(c.usage(), words.subList(1, words.size())));
        } catch (UserError | CancellationException e) {
            throw e;
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            if (cancel.requested() && Errors.interrupted(e)) {
                throw new CancellationException("cancelled"); // Ctrl-C interrupted a wait or a channel: not a bug
            }
            throw Errors.toUserError(e, debug, console.out());
        } finally {
            console.out().flush();
        }
    }

    /** Prints the line naming what is in force, once per command: before the first output it concerns. */
    void sayChangesInForce(String line) {
        if (!changesSaid && !line.isEmpty()) {
            changesSaid = true;
            println(line);
        }
    }

    static boolean isComment(String line) {
        String s = line.strip();
        return s.isEmpty() || s.startsWith("#") || s.startsWith("//");
    }

    /** Whether {@code line} starts with a command word (and so is not Java). */
    public boolean isCommand(String line) {
        return CommandLine.isCommand(line, commands);
    }

    UserError unknown(String word) {
        String hint = commands.suggest(word).map(s -> "; did you mean '" + s + "'?").orElse("; 'help' lists the commands");
        return new UserError("unknown command '" + word + "'" + hint);
    }

    public CommandRegistry commands() {
        return commands;
    }

    /** {@code quit} was typed: the REPL leaves, a script stops (successfully). */
    public boolean quitRequested() {
        return quitRequested;
    }

    void requestQuit() {
        quitRequested = true;
    }

    /** The interpreter running this session's lines (for {@code source}); one is made on first use. */
    public Interpreter interpreter() {
        if (interpreter == null) {
            interpreter = new Interpreter(this);
        }
        return interpreter;
    }

    void interpreter(Interpreter i) {
        interpreter = i;
    }

    /** The guided tour: whether one is under way, and its next step. */
    Tour tour() {
        return tour;
    }

    public Viewer viewer() {
        return viewer;
    }

    void viewer(Viewer v) {
        viewer = v;
    }

    public boolean debug() {
        return debug;
    }

    public void debug(boolean on) {
        debug = on;
    }

    public Settings settings() {
        return settings;
    }

    // ---- cancellation ----

    /** Asks the running command to stop at its next check (Ctrl-C). */
    public void cancel() {
        cancel.cancel();
    }

    void clearCancel() {
        cancel.clear();
    }

    /** Runs {@code r} on Ctrl-C during the current command (a download's own cancel flag). */
    void onCancel(Runnable r) {
        cancel.onCancel(r);
    }

    /** Throws {@link CancellationException} if Ctrl-C was pressed or the thread was interrupted. */
    public void checkCancelled() {
        cancel.check();
    }

    public boolean cancelRequested() {
        return cancel.requested();
    }

    // ---- the workspace, with its errors as the REPL's ----

    /** Runs a workspace call; its {@link WorkspaceException} becomes the REPL's {@link UserError}. */
    static <T> T user(Supplier<T> call) {
        try {
            return call.get();
        } catch (WorkspaceException e) {
            throw new UserError(e.getMessage());
        }
    }

    /**
     * Loads a model by name or folder; the previous one stays loaded if this fails. Returns what became of the
     * prompt set (made again for the new model, or dropped), or empty when there is none.
     */
    public java.util.Optional<String> load(String spec) throws Exception {
        return load(spec, jlens.model.Gpt2Processing.NONE);
    }

    /** As {@link #load(String)}, the weights processed by {@code processing} ({@code load NAME --process tl}). */
    public java.util.Optional<String> load(String spec, jlens.model.Gpt2Processing processing) throws Exception {
        ModelSource.Loaded loaded = modelSource.load(spec, this, processing);
        return useModel(loaded.model(), loaded.name(), loaded.note(), true);
    }

    /**
     * What a script asks for when the user did not choose: loads {@code spec} if no model was named on the command
     * line and {@code spec} is already on this machine (no download); otherwise keeps the current model and says so.
     */
    public void prefer(String spec) {
        workspace.keepsCurrentModel(spec).ifPresentOrElse(this::println, () -> exec("load " + spec));
    }

    /** Uses an already loaded model (tests share one); the session closes it only if {@code owned}. */
    public java.util.Optional<String> useModel(Gpt2 newModel, String name, String note, boolean owned) {
        java.util.Optional<String> prompts = workspace.use(newModel, name, note, owned);
        afterModelChange();
        return prompts;
    }

    private void afterModelChange() {
        if (settings.layer() >= workspace.config().nLayer()) {
            settings.layer(0);
        }
        lastResult = null;
        lastDrawing = null;
        lastFigure = null;
    }

    // ---- results ----

    /** The last command's result, in the shapes {@code save} writes; its record is also the workspace's last result. */
    public Result lastResult() {
        return lastResult;
    }

    public void lastResult(Result r) {
        lastResult = r;
        if (r != null) {
            workspace.remember(r.value());
        }
    }

    @Override
    public void close() {
        workspace.close();
    }
}
