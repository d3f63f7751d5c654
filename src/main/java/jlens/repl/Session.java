package jlens.repl;

import ai.djl.ndarray.NDArray;
import java.io.PrintWriter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import jlens.chart.Chart;
import jlens.chart.ColorMode;
import jlens.chart.RenderStyle;
import jlens.hook.ActivationCache;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
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
public final class Session implements AutoCloseable {
    private final CommandRegistry commands;
    private final Settings settings = new Settings();
    private final Console console;
    private final CancelFlag cancel = new CancelFlag();
    private final Workspace workspace;
    private final ModelSource modelSource;
    private boolean debug;

    private Result lastResult;
    private Drawing lastDrawing;
    private Figure lastFigure;
    private Chart lastChart;

    private boolean quitRequested;
    private boolean changesSaid; // the line naming the changes in force, once per command
    private Interpreter interpreter;
    private Viewer viewer = Viewer.NONE;

    public Session(PrintWriter out, ModelSource modelSource) {
        this.console = new Console(out, settings);
        this.commands = Commands.registry();
        this.modelSource = modelSource;
        this.workspace = new Workspace(spec -> {
            ModelSource.Loaded l = modelSource.load(spec, this);
            return new LoadedModel(l.model(), l.name(), l.note());
        });
        workspace.betweenLayers(this::checkCancelled);
        workspace.onChangesInForce(line -> {
            if (!changesSaid) {
                changesSaid = true;
                println(line + " ('steers' lists, 'unsteer' removes)");
            }
        });
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
        List<String> words = Words.split(line.strip());
        if (words.isEmpty() || isComment(line)) {
            return;
        }
        String name = words.get(0);
        Command c = commands.find(name).orElseThrow(() -> unknown(name));
        workspace.captureBudgetBytes(settings.captureBudgetBytes());
        console.commandStarted();
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

    // ---- output (the console) ----

    public PrintWriter out() {
        return console.out();
    }

    void out(PrintWriter w) {
        console.out(w);
    }

    /** The terminal unescaped: for jlens's own control sequences (a progress bar's carriage returns) only. */
    PrintWriter rawOut() {
        return console.raw();
    }

    /** Prints a line of prose, wrapped at word boundaries to the terminal's width (continuations indented). */
    public void println(String s) {
        console.println(s);
    }

    /** The lines {@link #println(String)} takes for {@code s} (prose wraps at the terminal's width). */
    int printedLines(String s) {
        return (int) Format.wrap(s, console.textWidth()).lines().count();
    }

    int textWidth() {
        return console.textWidth();
    }

    void terminalWidth(IntSupplier w) {
        console.terminalWidth(w);
    }

    /** Columns charts are drawn with: the {@code width} setting, or the terminal's width less one, or 80. */
    public int chartWidth() {
        return console.chartWidth();
    }

    void autoColor(ColorMode mode, boolean canEncodeGlyphs) {
        console.autoColor(mode, canEncodeGlyphs);
    }

    /** Whether a person is watching a terminal (progress meters are drawn only then). */
    public boolean interactive() {
        return console.interactive();
    }

    void interactive(boolean on) {
        console.interactive(on);
    }

    /** The colour mode and glyph set charts are drawn with now. */
    public RenderStyle style() {
        return console.style();
    }

    /**
     * Prints a chart at the session's width and height, and keeps it for {@code save FILE.txt} and for
     * {@code view} (as {@code figure}, whose pages the viewer steps through; null for this chart alone).
     */
    public void draw(Chart chart, Figure figure) {
        draw(chart, figure, chartHeight(1));
    }

    /** {@link #draw(Chart, Figure)} with a height of its own (a grid of panels needs more rows). */
    public void draw(Chart chart, Figure figure, int height) {
        lastDrawing = console.draw(chart, height);
        lastFigure = figure != null ? figure : Figure.single(chart);
        lastChart = chart;
    }

    /** Forgets the last chart: a command that had nothing to draw leaves no older chart for 'save' and 'view'. */
    public void nothingDrawn() {
        lastDrawing = null;
        lastFigure = null;
        lastChart = null;
    }

    /** Draws {@code chart} {@code height} rows high, or nothing (and forgets the last chart) when it is undefined. */
    void drawUnless(boolean undefined, Chart chart, int height) {
        if (undefined) {
            nothingDrawn();
        } else {
            draw(chart, null, height);
        }
    }

    /**
     * Rows for the next chart: the {@code height} setting, or what the terminal has left under the command line
     * and what the command printed, split among {@code share} charts still to come (fixed without a terminal).
     */
    public int chartHeight(int share) {
        return console.chartHeight(share);
    }

    /** Whether charts take their height from the screen ({@code height auto} on a terminal). */
    boolean screenHeight() {
        return console.screenHeight();
    }

    /** Whether {@code charts} charts of {@code rows} rows each fit on the screen under the command line. */
    boolean fits(int charts, int rows) {
        return console.fits(charts, rows);
    }

    /** Lines that still fit above a chart of {@code chartRows} rows and {@code extraLines} more (see Console). */
    int linesLeft(int chartRows, int extraLines) {
        return console.linesLeft(chartRows, extraLines);
    }

    /** As {@link #fits(int, int)} with {@code extraLines} of text printed first. */
    boolean fits(int charts, int rows, int extraLines) {
        return console.fits(charts, rows, extraLines);
    }

    /**
     * Prints a table that a chart below repeats, when it leaves room on the screen for {@code charts} charts of
     * a readable height; otherwise one line saying where the numbers are ({@code save FILE.csv}), so the command
     * line stays on screen. Scripts and fixed heights always get the table.
     */
    void tableBeforeCharts(Object table, int charts, String csvName) {
        tableBeforeCharts(table, charts, csvName, 0);
    }

    /** As {@link #tableBeforeCharts(Object, int, String)} with {@code linesAfter} lines still to print between it and the charts. */
    void tableBeforeCharts(Object table, int charts, String csvName, int linesAfter) {
        String text = table.toString();
        long lines = text.lines().count();
        if (console.fits(charts, Console.MIN_HEIGHT + 4, (int) lines + linesAfter)) {
            console.out().print(text);
        } else {
            println("(the table of " + (lines - 1) + " rows is left out to keep the chart on screen; 'save "
                    + csvName + "' writes it)");
        }
    }

    /** The last chart drawn, for {@code save FIG.png}; null before any. */
    public Chart lastChart() {
        return lastChart;
    }

    void terminalHeight(IntSupplier h) {
        console.terminalHeight(h);
    }

    void autoBackground(jlens.chart.Background b) {
        console.autoBackground(b);
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

    /** The loaded model; a {@link UserError} if none is. */
    public Gpt2 model() {
        return user(workspace::model);
    }

    public boolean hasModel() {
        return workspace.hasModel();
    }

    public String modelName() {
        return workspace.modelName();
    }

    public String modelNote() {
        return workspace.modelNote();
    }

    public Gpt2Config config() {
        return model().config();
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

    /** Marks the model as the user's choice (--model): {@link #prefer} then keeps it. */
    public void modelChosen(boolean chosen) {
        workspace.modelChosen(chosen);
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

    public String text() {
        return workspace.text();
    }

    /** The token ids of the text; a {@link UserError} if there is no text. */
    public long[] ids() {
        return user(workspace::ids);
    }

    public boolean hasText() {
        return workspace.hasText();
    }

    /** Sets the text (tokenising it first: a text the model cannot take changes nothing). */
    public void text(String newText) {
        user(() -> {
            workspace.text(newText);
            return null;
        });
    }

    /** Decoded pieces of the tokens (" who"), as a reader sees them. */
    public String[] tokenPieces() {
        return user(workspace::tokenPieces);
    }

    /** Exact names of the hook points the next {@code run} captures. */
    public List<String> hooked() {
        return workspace.hooked();
    }

    /** Adds hook points by exact or short name; all are checked before any is added. */
    public List<String> hook(Collection<String> specs) {
        return user(() -> workspace.hook(specs));
    }

    /** Removes the named hook points (or all when none are named); returns what was removed. */
    public List<String> unhook(Collection<String> specs) {
        return user(() -> workspace.unhook(specs));
    }

    /**
     * One forward pass of the text capturing the hooked points (plus {@code extra}), replacing the last run's
     * activations. Ctrl-C stops it between layers; no hook outlives it.
     */
    public Gpt2.Run forward(Collection<String> extra) {
        workspace.captureBudgetBytes(settings.captureBudgetBytes());
        return user(() -> workspace.run(extra));
    }

    /** The last run's activations; a {@link UserError} that says what to do when there are none. */
    public ActivationCache cache() {
        return user(workspace::cache);
    }

    public boolean hasRun() {
        return workspace.hasRun();
    }

    /** The last run's logits {@code [1, T, V]}. */
    public NDArray logits() {
        return user(workspace::logits);
    }

    /** A captured activation; the error names the hook and says how to capture it. */
    public NDArray activation(String exactName) {
        return user(() -> workspace.activation(exactName));
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

    public Drawing lastDrawing() {
        return lastDrawing;
    }

    public void lastDrawing(Drawing d) {
        lastDrawing = d;
    }

    public Figure lastFigure() {
        return lastFigure;
    }

    public void lastFigure(Figure f) {
        lastFigure = f;
    }

    @Override
    public void close() {
        workspace.close();
    }
}
