package jlens.repl;

import java.io.PrintWriter;
import java.util.function.IntSupplier;
import jlens.chart.Chart;
import jlens.chart.ColorMode;
import jlens.chart.RenderStyle;

/**
 * A session's screen: the {@link Console} it prints and draws on (wrapping prose at the terminal's width, sizing
 * charts to what is left of the screen) and the last chart drawn, for {@code save} and {@code view}. {@link Session}
 * is one; commands print through it.
 */
abstract class SessionScreen {
    final Settings settings = new Settings();
    final Console console;
    Drawing lastDrawing;
    Figure lastFigure;
    Chart lastChart;

    SessionScreen(PrintWriter out) {
        this.console = new Console(out, settings);
    }

    public PrintWriter out() {
        return console.out();
    }

    void out(PrintWriter w) {
        console.out(w);
    }

    /** Whether the output stands in the middle of a line (a Ctrl-C then starts a line of its own). */
    boolean midLine() {
        return console.midLine();
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
}
