package jlens.repl;

import ai.djl.ndarray.NDArray;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.IntSupplier;
import com.googlecode.lanterna.graphics.TextImage;
import jlens.chart.AnsiEncoder;
import jlens.chart.Chart;
import jlens.chart.ColorMode;
import jlens.chart.RenderStyle;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * Everything a jlens session holds: the model, the text and its tokens, the hook points to capture, the last
 * run's activations, the last result and drawing, and the settings. Commands change it; JShell users and
 * scripts read it through these methods, and run command lines with {@link #exec(String)}.
 *
 * <p>A command either succeeds or leaves the session as it was: new state is built first and swapped in last.
 */
public final class Session implements AutoCloseable {
    private final CommandRegistry commands;
    private final Settings settings = new Settings();
    private final ModelSource modelSource;
    private PrintWriter out;
    private IntSupplier terminalWidth = () -> 0;
    private boolean debug;

    private Gpt2 model;
    private boolean ownsModel;
    private String modelName;
    private String modelNote;
    private boolean modelChosen; // named by --model or JLENS_MODEL: scripts' preferences give way to it

    private String text;
    private long[] ids;
    private final Set<String> hooked = new LinkedHashSet<>(); // exact hook names captured by 'run'
    private Gpt2.Run lastRun;
    private Result lastResult;
    private Drawing lastDrawing;
    private Figure lastFigure;

    private volatile boolean cancelRequested;
    private final List<Runnable> onCancel = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ColorMode autoColor = ColorMode.MONO; // what 'color auto' means on this output
    private boolean unicode = true;
    private boolean interactive;
    private boolean quitRequested;
    private Interpreter interpreter;
    private Viewer viewer = Viewer.NONE;

    public Session(PrintWriter out, ModelSource modelSource) {
        this.out = out;
        this.modelSource = modelSource;
        this.commands = Commands.registry();
        Models.store(); // made here, outside any JShell snippet (see Models.store)
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
        try {
            c.action().run(this, new Args(c.usage(), words.subList(1, words.size())));
        } catch (UserError | CancellationException e) {
            throw e;
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            if (cancelRequested && Errors.interrupted(e)) {
                throw new CancellationException("cancelled"); // Ctrl-C interrupted a wait or a channel: not a bug
            }
            throw Errors.toUserError(e, debug, out);
        } finally {
            out.flush();
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

    // ---- cancellation ----

    /** Asks the running command to stop at its next check (Ctrl-C). */
    public void cancel() {
        cancelRequested = true;
        onCancel.forEach(Runnable::run);
    }

    /** Forgets an earlier Ctrl-C before new input runs. */
    void clearCancel() {
        cancelRequested = false;
        onCancel.clear();
    }

    /** Runs {@code r} on Ctrl-C during the current command (a download's own cancel flag). */
    void onCancel(Runnable r) {
        onCancel.add(r);
    }

    /** Throws {@link CancellationException} if Ctrl-C was pressed or the thread was interrupted. */
    public void checkCancelled() {
        if (cancelRequested || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("cancelled");
        }
    }

    public boolean cancelRequested() {
        return cancelRequested;
    }

    // ---- output ----

    public PrintWriter out() {
        return out;
    }

    void out(PrintWriter w) {
        out = w;
    }

    /** Prints a line of prose, wrapped at word boundaries to the terminal's width (continuations indented). */
    public void println(String s) {
        out.println(Format.wrap(s, textWidth()));
    }

    /** Columns for prose: the terminal's width (less one), or unlimited without a terminal (scripts, pipes). */
    int textWidth() {
        int w = terminalWidth.getAsInt();
        return w > 20 ? w - 1 : Integer.MAX_VALUE;
    }

    void terminalWidth(IntSupplier w) {
        terminalWidth = w;
    }

    /** Columns charts are drawn with: the {@code width} setting, or the terminal's width less one, or 80. */
    public int chartWidth() {
        if (settings.width() > 0) {
            return settings.width();
        }
        int w = terminalWidth.getAsInt();
        return w > 20 ? Math.min(w - 1, 200) : 80;
    }

    /** What {@code set color auto} resolves to here (the REPL detects it from the terminal; scripts get mono). */
    void autoColor(ColorMode mode, boolean canEncodeGlyphs) {
        autoColor = mode;
        unicode = canEncodeGlyphs;
    }

    /** Whether a person is watching a terminal (progress meters are drawn only then). */
    public boolean interactive() {
        return interactive;
    }

    void interactive(boolean on) {
        interactive = on;
    }

    /** The colour mode and glyph set charts are drawn with now. */
    public RenderStyle style() {
        ColorMode mode;
        try {
            mode = ColorMode.parse(settings.color()).orElse(autoColor);
        } catch (IllegalArgumentException e) {
            mode = autoColor;
        }
        boolean glyphs = switch (settings.glyphs()) {
            case "unicode" -> true;
            case "ascii" -> false;
            default -> unicode && localeAllowsUnicode(System.getenv());
        };
        return new RenderStyle(mode, glyphs);
    }

    /**
     * Whether the locale lets the terminal show Unicode glyphs: the first of LC_ALL, LC_CTYPE and LANG that is
     * set decides, and only a UTF-8 one allows them (LANG=C is ASCII, and braille drawn there comes out garbled).
     * With none set, Unicode (the usual case in containers whose terminal is UTF-8 anyway).
     */
    static boolean localeAllowsUnicode(java.util.Map<String, String> env) {
        for (String name : List.of("LC_ALL", "LC_CTYPE", "LANG")) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                String v = value.toLowerCase(java.util.Locale.ROOT);
                return v.contains("utf-8") || v.contains("utf8");
            }
        }
        return true;
    }

    /**
     * Prints a chart at the session's width and height, and keeps it for {@code save FILE.txt} and for
     * {@code view} (as {@code figure}, whose pages the viewer steps through; null for this chart alone).
     */
    public void draw(Chart chart, Figure figure) {
        draw(chart, figure, settings.height());
    }

    /** {@link #draw(Chart, Figure)} with a height of its own (a grid of panels needs more rows). */
    public void draw(Chart chart, Figure figure, int height) {
        RenderStyle st = style();
        TextImage image;
        try {
            image = chart.render(chartWidth(), height, st);
        } catch (IllegalArgumentException e) {
            throw new UserError("the chart does not fit " + chartWidth() + " x " + height + " cells (" + e.getMessage()
                    + "); widen the terminal or 'set width 200', 'set height 40'");
        }
        String ansi = AnsiEncoder.encode(image, st.mode());
        out.print(ansi);
        out.flush();
        lastDrawing = new Drawing(AnsiEncoder.plain(image), ansi);
        lastFigure = figure != null ? figure : Figure.single(chart);
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

    // ---- model ----

    /** The loaded model; a {@link UserError} if none is. */
    public Gpt2 model() {
        if (model == null) {
            throw new UserError("no model loaded; use 'load gpt2' or 'load DIR'");
        }
        return model;
    }

    public boolean hasModel() {
        return model != null;
    }

    public String modelName() {
        return modelName;
    }

    public String modelNote() {
        return modelNote;
    }

    public Gpt2Config config() {
        return model().config();
    }

    /** Loads a model by name or folder; the previous one stays loaded if this fails. */
    public void load(String spec) throws Exception {
        ModelSource.Loaded loaded = modelSource.load(spec, this);
        useModel(loaded.model(), loaded.name(), loaded.note(), true);
    }

    /** Marks the model as the user's choice (--model): {@link #prefer} then keeps it. */
    public void modelChosen(boolean chosen) {
        modelChosen = chosen;
    }

    /**
     * What a script asks for when the user did not choose: loads {@code spec} if no model was named on the command
     * line and {@code spec} is already on this machine (no download); otherwise keeps the current model and says so.
     */
    public void prefer(String spec) {
        if (modelChosen && model != null) {
            println("using " + modelName + " (chosen on the command line) rather than " + spec);
            return;
        }
        boolean present;
        try {
            present = Models.store().findCached(spec).isPresent();
        } catch (jlens.store.ModelStoreException e) {
            present = false;
        }
        if (!present) {
            println(spec + " is not on this machine; staying with " + (model == null ? "no model" : modelName)
                    + " ('load " + spec + "' downloads it)");
            return;
        }
        exec("load " + spec);
    }

    /** Uses an already loaded model (tests share one); the session closes it only if {@code owned}. */
    public void useModel(Gpt2 newModel, String name, String note, boolean owned) {
        long[] newIds = null;
        if (text != null) {
            try {
                newIds = newModel.tokenizer().encode(text);
            } catch (IllegalArgumentException e) {
                newIds = null; // the text does not fit this model's context: keep the text, drop the tokens
            }
        }
        clearRun();
        Gpt2 old = model;
        boolean ownedOld = ownsModel;
        model = newModel;
        ownsModel = owned;
        modelName = name;
        modelNote = note;
        ids = newIds;
        hooked.removeIf(h -> HookPoint.layerOf(h) >= newModel.config().nLayer());
        if (settings.layer() >= newModel.config().nLayer()) {
            settings.layer(0);
        }
        lastResult = null;
        lastDrawing = null;
        lastFigure = null;
        if (old != null && ownedOld && old != newModel) {
            old.close();
        }
    }

    // ---- text ----

    public String text() {
        return text;
    }

    /** The token ids of the text; a {@link UserError} if there is no text. */
    public long[] ids() {
        if (ids == null) {
            throw new UserError(text == null ? "no text yet; give one with text \"...\"" : "the text does not fit this model; give a shorter one");
        }
        return ids.clone();
    }

    public boolean hasText() {
        return ids != null;
    }

    /** Sets the text (tokenising it first: a text the model cannot take changes nothing). */
    public void text(String newText) {
        if (newText.isEmpty()) {
            throw new UserError("the text is empty; give at least one character, e.g. text \"Hello\"");
        }
        if (newText.isBlank()) {
            throw new UserError("the text is only blanks; give some words, e.g. text \"Hello\"");
        }
        checkCharacters(newText);
        long[] newIds;
        try {
            newIds = model().tokenizer().encode(newText);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (newIds.length == 0) {
            throw new UserError("the text gives no tokens; give some words");
        }
        text = newText;
        ids = newIds;
        clearRun();
    }

    /** Control characters (but newline, tab, return), unpaired surrogates and U+FFFD (bytes that were not UTF-8). */
    private static void checkCharacters(String text) {
        int index = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            String bad = null;
            if (Character.isISOControl(cp) && cp != '\n' && cp != '\t' && cp != '\r') {
                bad = String.format(java.util.Locale.ROOT, "control character U+%04X", cp);
            } else if (cp == 0xFFFD) {
                bad = "an undecodable byte (U+FFFD)";
            } else if (Character.isSurrogate((char) cp)) {
                bad = "a broken UTF-16 surrogate";
            }
            if (bad != null) {
                throw new UserError("the text has " + bad + " at character " + index + "; remove it (\\n and \\t are fine)");
            }
            i += Character.charCount(cp);
            index++;
        }
    }

    /** Decoded pieces of the tokens (" who"), as a reader sees them. */
    public String[] tokenPieces() {
        return model().tokenizer().pieces(ids());
    }

    // ---- hooks ----

    /** Exact names of the hook points the next {@code run} captures. */
    public List<String> hooked() {
        return List.copyOf(hooked);
    }

    /** Adds hook points by exact or short name; all are checked before any is added. */
    public List<String> hook(Collection<String> specs) {
        Hooks registry = model().hooks();
        List<String> names = new ArrayList<>();
        for (String spec : specs) {
            try {
                names.add(registry.resolve(spec));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
        hooked.addAll(names);
        return names;
    }

    /** Removes the named hook points (or all when none are named); returns what was removed. */
    public List<String> unhook(Collection<String> specs) {
        if (specs.isEmpty()) {
            List<String> all = List.copyOf(hooked);
            hooked.clear();
            return all;
        }
        List<String> names = new ArrayList<>();
        for (String spec : specs) {
            String name;
            try {
                name = model().hooks().resolve(spec);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            if (!hooked.contains(name)) {
                throw new UserError(name + " is not hooked; 'hooks' lists what is");
            }
            names.add(name);
        }
        hooked.removeAll(names);
        return names;
    }

    // ---- runs ----

    /**
     * One forward pass of the text capturing the hooked points (plus {@code extra}), replacing the last run's
     * activations. Ctrl-C stops it between layers; no hook outlives it.
     */
    public Gpt2.Run forward(Collection<String> extra) {
        Gpt2 m = model();
        long[] tokens = ids();
        Set<String> capture = new LinkedHashSet<>(hooked);
        capture.addAll(extra);
        m.setCaptureBudgetBytes(settings.captureBudgetBytes());
        Gpt2.Run run;
        try (Hooks.Scope checks = m.hooks().scope()) {
            for (int l = 0; l < m.config().nLayer(); l++) {
                checks.add(HookPoint.block(l, HookPoint.RESID_PRE), (name, a) -> {
                    checkCancelled();
                    return null;
                });
            }
            run = m.run(tokens, capture);
        }
        clearRun();
        lastRun = run;
        return run;
    }

    /** The last run's activations; a {@link UserError} that says what to do when there are none. */
    public ActivationCache cache() {
        if (lastRun == null) {
            throw new UserError(hooked.isEmpty()
                    ? "nothing has been run yet; hook something ('hook layer all') and 'run'"
                    : "hooks are set but nothing has been run yet; type 'run'");
        }
        return lastRun.cache();
    }

    public boolean hasRun() {
        return lastRun != null;
    }

    /** The last run's logits {@code [1, T, V]}. */
    public NDArray logits() {
        cache();
        return lastRun.logits();
    }

    /** A captured activation; the error names the hook and says how to capture it. */
    public NDArray activation(String exactName) {
        ActivationCache c = cache();
        if (!c.contains(exactName)) {
            boolean isHooked = hooked.contains(exactName);
            String orLayers = HookPoint.pointOf(exactName).equals(HookPoint.QKV) ? " (or 'hook layer all')" : "";
            throw new UserError(exactName + " was not captured; " + (isHooked ? "type 'run'"
                    : "'hook " + exactName + "'" + orLayers + " then 'run'"));
        }
        return c.get(exactName);
    }

    private void clearRun() {
        if (lastRun != null) {
            lastRun.close();
            lastRun = null;
        }
    }

    // ---- results ----

    public Result lastResult() {
        return lastResult;
    }

    public void lastResult(Result r) {
        lastResult = r;
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
        clearRun();
        if (model != null && ownsModel) {
            model.close();
        }
        model = null;
    }
}
