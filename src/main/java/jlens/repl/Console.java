package jlens.repl;

import com.googlecode.lanterna.graphics.TextImage;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;
import jlens.chart.AnsiEncoder;
import jlens.chart.Background;
import jlens.chart.Chart;
import jlens.chart.ColorMode;
import jlens.chart.RenderStyle;

/**
 * Where a session's output goes: the writer, the terminal's width, the colour mode and glyphs charts are drawn
 * with, and the drawing of a chart into text. Knows nothing of models.
 */
final class Console {
    private final Settings settings;
    private PrintWriter raw; // the terminal itself: only for what jlens encodes (charts' colours, progress bars)
    private PrintWriter out; // everything else, escaped (see TerminalSafeWriter)
    /** Chart height without a terminal (scripts, pipes), as it always was. */
    static final int FIXED_HEIGHT = 20;
    /** The fewest rows a chart gets, however little room is left. */
    static final int MIN_HEIGHT = 8;
    /** Rows kept free under a chart: a line of text after it, the next prompt, and one spare. */
    static final int ROWS_AFTER = 3;

    private IntSupplier terminalWidth = () -> 0;
    private IntSupplier terminalHeight = () -> 0;
    private Background autoBackground = Background.DARK; // what 'background auto' means here
    private final LineCounter counter = new LineCounter();
    private ColorMode autoColor = ColorMode.MONO; // what 'color auto' means on this output
    private boolean unicode = true;
    private boolean interactive;

    Console(PrintWriter out, Settings settings) {
        out(out);
        this.settings = settings;
    }

    /** Whether the output stands in the middle of a line (streamed text, a progress bar). */
    boolean midLine() {
        out.flush();
        return counter.midLine();
    }

    /** The writer for text: whatever is printed through it reaches the terminal escaped. */
    PrintWriter out() {
        return out;
    }

    /** The terminal unescaped, for jlens's own control sequences only; never for text from outside. */
    PrintWriter raw() {
        out.flush();
        return raw;
    }

    void out(PrintWriter w) {
        raw = counted(w);
        out = new PrintWriter(new TerminalSafeWriter(raw), true);
    }

    /** The writer, counting the lines it prints, so a chart can take only the rows a command has left. */
    private PrintWriter counted(PrintWriter w) {
        return new PrintWriter(new java.io.Writer() {
            @Override
            public void write(char[] buf, int off, int len) {
                counter.count(buf, off, len);
                w.write(buf, off, len);
            }

            @Override
            public void flush() {
                w.flush();
            }

            @Override
            public void close() {
                w.close();
            }
        }, true);
    }

    /** A command starts: it has printed nothing yet. */
    void commandStarted() {
        counter.reset();
    }

    void terminalHeight(IntSupplier h) {
        terminalHeight = h;
    }

    /** What {@code set background auto} resolves to here: the terminal's answer to OSC 11, else dark. */
    void autoBackground(Background b) {
        autoBackground = b;
    }

    /**
     * Rows for the next chart: the {@code height} setting, or (auto) what the terminal has left once the command
     * line, what the command printed so far, a line after the chart and the prompt are counted; {@code share}
     * charts still to come split that. Without a terminal, the fixed {@value #FIXED_HEIGHT} rows of old.
     */
    int chartHeight(int share) {
        if (settings.height() > 0) {
            return settings.height();
        }
        int rows = terminalHeight.getAsInt();
        if (rows <= 0 || !interactive) {
            return FIXED_HEIGHT;
        }
        int left = rows - 1 - counter.lines() - ROWS_AFTER; // 1: the command line itself
        return Math.max(MIN_HEIGHT, left / Math.max(1, share));
    }

    /** Whether charts take their height from the screen: {@code height auto} on an interactive terminal. */
    boolean screenHeight() {
        return settings.height() == 0 && interactive && terminalHeight.getAsInt() > 0;
    }

    /** Whether {@code charts} charts of {@code each} rows fit under the command line on this terminal. */
    boolean fits(int charts, int each) {
        return fits(charts, each, 0);
    }

    /** As {@link #fits(int, int)} with {@code extraLines} of text printed first. */
    boolean fits(int charts, int each, int extraLines) {
        int rows = terminalHeight.getAsInt();
        return settings.height() > 0 || rows <= 0 || !interactive
                || 1 + counter.lines() + extraLines + charts * each + ROWS_AFTER <= rows;
    }

    /**
     * Lines of text that can still be printed before a chart of {@code chartRows} rows and {@code extraLines} more
     * lines without scrolling the command line off the screen; unlimited without a terminal or with a fixed height.
     */
    int linesLeft(int chartRows, int extraLines) {
        int rows = terminalHeight.getAsInt();
        if (settings.height() > 0 || rows <= 0 || !interactive) {
            return Integer.MAX_VALUE;
        }
        return rows - 1 - counter.lines() - extraLines - chartRows - ROWS_AFTER;
    }

    /** Prints a line of prose, wrapped at word boundaries to the terminal's width (continuations indented). */
    void println(String s) {
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
    int chartWidth() {
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

    boolean interactive() {
        return interactive;
    }

    void interactive(boolean on) {
        interactive = on;
    }

    /** The colour mode and glyph set charts are drawn with now. */
    RenderStyle style() {
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
        Background background = Background.parse(settings.background()).orElse(autoBackground);
        return new RenderStyle(mode, glyphs, background);
    }

    /**
     * Whether the locale lets the terminal show Unicode glyphs: the first of LC_ALL, LC_CTYPE and LANG that is
     * set decides, and only a UTF-8 one allows them (LANG=C is ASCII, and braille drawn there comes out garbled).
     * With none set, Unicode (the usual case in containers whose terminal is UTF-8 anyway).
     */
    static boolean localeAllowsUnicode(Map<String, String> env) {
        for (String name : List.of("LC_ALL", "LC_CTYPE", "LANG")) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                String v = value.toLowerCase(Locale.ROOT);
                return v.contains("utf-8") || v.contains("utf8");
            }
        }
        return true;
    }

    /** Renders {@code chart} at the chart width and {@code height}, prints it, and returns what was printed. */
    Drawing draw(Chart chart, int height) {
        RenderStyle st = style();
        TextImage image;
        try {
            image = chart.render(chartWidth(), height, st);
        } catch (IllegalArgumentException e) {
            throw new UserError("the chart does not fit " + chartWidth() + " x " + height + " cells (" + e.getMessage()
                    + "); widen the terminal or 'set width 200', 'set height 40'");
        }
        String ansi = AnsiEncoder.encode(image, st.mode()); // every cell's character escaped by the chart's Draw
        out.flush();
        raw.print(ansi);
        raw.flush();
        return new Drawing(AnsiEncoder.plain(image), ansi);
    }
}
