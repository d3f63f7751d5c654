package jlens.chart;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A scatter or strip plot of many points (tens of thousands) on a braille canvas. Where points overlap, cells
 * are shaded by how many points they hold (log scale), or, with {@link #colorByValue}, each cell takes the
 * colour of its y value; either way only the part of the map that reads on the background is used. One point
 * can be highlighted with a marker and its value in the legend, and any number labelled beside them
 * ({@link #label}: the top tokens), where there is room.
 *
 * <pre>{@code
 * new ScatterPlot("log-probabilities", logProbs).xLabel("vocabulary index").colorByValue(Colormaps.MAGMA)
 *     .highlight(target, "' Paris'").label(top1, "' the'").label(top2, "' a'")
 * }</pre>
 */
public final class ScatterPlot implements Chart {
    /**
     * A point named beside it.
     *
     * @param index the point
     * @param text its name
     */
    public record PointLabel(int index, String text) {}

    private final String title;
    private final double[] x;
    private final double[] y;
    private String xLabel = "";
    private String yLabel = "";
    private Colormap density = Colormaps.PLASMA;
    private Colormap byValue;
    private int highlight = -1;
    private String highlightLabel = "";
    private final List<PointLabel> labels = new ArrayList<>();

    /** Points (x[i], y[i]). */
    public ScatterPlot(String title, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y differ in length: " + x.length + " vs " + y.length);
        }
        this.title = title == null ? "" : title;
        this.x = x.clone();
        this.y = y.clone();
    }

    /** A strip plot: points (i, y[i]), e.g. one value per vocabulary index. */
    public ScatterPlot(String title, double[] y) {
        this(title, indices(y.length), y);
    }

    private static double[] indices(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
        }
        return x;
    }

    public ScatterPlot xLabel(String label) {
        this.xLabel = label;
        return this;
    }

    public ScatterPlot yLabel(String label) {
        this.yLabel = label;
        return this;
    }

    /** The map that shades cells by point count (default plasma). */
    public ScatterPlot densityColormap(Colormap map) {
        this.density = Objects.requireNonNull(map);
        this.byValue = null;
        return this;
    }

    /** Colour points by their y value along {@code map} instead of by density. */
    public ScatterPlot colorByValue(Colormap map) {
        this.byValue = Objects.requireNonNull(map);
        return this;
    }

    /** Marks point {@code index} and names it in the legend and beside the point, with its value. */
    public ScatterPlot highlight(int index, String label) {
        if (index < 0 || index >= y.length) {
            throw new IndexOutOfBoundsException("no point " + index + " among " + y.length);
        }
        this.highlight = index;
        this.highlightLabel = label == null ? "" : label;
        return this;
    }

    /**
     * Names point {@code index} beside it (with a small marker), e.g. one of the most likely tokens. Labels
     * that would cover another label are left out; the first added are placed first.
     */
    public ScatterPlot label(int index, String text) {
        if (index < 0 || index >= y.length) {
            throw new IndexOutOfBoundsException("no point " + index + " among " + y.length);
        }
        labels.add(new PointLabel(index, text == null ? "" : text));
        return this;
    }

    @Override
    public TextImage render(int width, int height, RenderStyle style) {
        Glyphs g = style.glyphs();
        boolean colour = style.mode() != ColorMode.MONO;
        int highlightRgb = Colormaps.highlight(style.background());
        List<PlotFrame.LegendEntry> legend = new ArrayList<>();
        String mark = "";
        if (highlight >= 0) {
            mark = highlightLabel + " " + Ticks.format(y[highlight]);
            legend.add(new PlotFrame.LegendEntry(mark, g.highlight(), highlightRgb));
        }
        // Says how to read the colour or shading (the header keeps it, on a row of its own if need be); with colour
        // maps a colour bar beside the plot says it with numbers: the value (colour by value) or points per cell.
        // In 16 colours points coloured by value get a bar too: solid cells in the points' own colours (quantised
        // as they are), so the colour still reads as a number.
        boolean solidBar = byValue != null && colour && !style.mode().hasColormaps();
        boolean bar = style.mode().hasColormaps() || solidBar;
        String note = byValue != null ? (yLabel.isEmpty() || !colour ? "" : yLabel)
                : bar ? "points per cell" : "denser glyph = more points";
        PlotFrame frame = new PlotFrame(width, height, style, title, yLabel, note, xLabel, legend);
        int rows = frame.maxPlotRows();
        double[] xr = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        double[] yr = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int i = 0; i < y.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                xr[0] = Math.min(xr[0], x[i]);
                xr[1] = Math.max(xr[1], x[i]);
                yr[0] = Math.min(yr[0], y[i]);
                yr[1] = Math.max(yr[1], y[i]);
            }
        }
        if (!(xr[1] >= xr[0])) {
            xr = new double[] {0, 1};
            yr = new double[] {0, 1};
        }
        Scale xs = new Scale(xr[0], xr[1], false);
        Scale ys = Scale.niceLinear(yr[0], yr[1], Math.max(1, rows / 3));
        // The bar's labels: the value range (colour by value; ticks are the y axis's) or 1 .. the densest cell's
        // count (a log scale: only its ends are labelled), known once the points are binned into the plot's cells.
        int barLabels = byValue != null ? ColorBar.width(ys.lo(), ys.hi(), rows) : 4 + Integer.toString(y.length).length();
        frame.layout(ys.labelWidth(rows), -1, bar ? barLabels : 0, rows, -1);
        TextImage image = frame.newImage();

        DotCanvas canvas = new DotCanvas(frame.plotColumns(), frame.plotRows());
        int pw = canvas.pixelWidth();
        int ph = canvas.pixelHeight();
        Colormap valueMap = byValue == null ? null : Colormaps.readable(byValue, style.background(), style.mode());
        Colormap densityMap = Colormaps.readable(density, style.background(), style.mode());
        for (int i = 0; i < y.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                int py = ph - 1 - ys.pixel(y[i], ph);
                int rgb = byValue == null ? 0 : valueMap.rgb(ys.fraction(y[i]));
                canvas.dot(xs.pixel(x[i], pw), py, rgb);
            }
        }
        double logMax = Math.log1p(canvas.maxCount());
        for (int r = 0; r < frame.plotRows(); r++) {
            for (int c = 0; c < frame.plotColumns(); c++) {
                int n = canvas.count(c, r);
                double f = n == 0 ? 0 : Math.log1p(n) / logMax;
                char glyph = canvas.glyph(c, r, g);
                TextColor fg = TextColor.ANSI.DEFAULT;
                boolean rampDensity = byValue == null && !style.mode().hasColormaps();
                if (n == 0 && rampDensity) {
                    glyph = ' '; // the ramp is not braille, so blank braille would only add noise
                } else if (n > 0 && rampDensity) {
                    glyph = Ramp.glyph(f, style); // without colour, density shows as the glyph ramp
                } else if (n > 0 && colour) {
                    fg = Draw.rgb(byValue != null ? canvas.colour(c, r) : densityMap.rgb(f));
                }
                Draw.cell(image, frame.plotLeft() + c, frame.plotTop() + r, glyph, fg, TextColor.ANSI.DEFAULT);
            }
        }
        TextColor fg = colour ? Draw.rgb(highlightRgb) : TextColor.ANSI.DEFAULT;
        // Markers first, all of them, so that no label is written over a marked point; then the labels, the
        // highlight's first, each where it covers neither a marker nor another label.
        boolean[][] taken = new boolean[frame.plotRows()][frame.plotColumns()];
        List<int[]> marked = new ArrayList<>(); // {column, row, label index or -1 for the highlight}
        if (highlight >= 0 && Double.isFinite(y[highlight]) && Double.isFinite(x[highlight])) {
            marked.add(new int[] {xs.pixel(x[highlight], pw) / 2, (ph - 1 - ys.pixel(y[highlight], ph)) / 4, -1});
        }
        for (int k = 0; k < labels.size(); k++) {
            int i = labels.get(k).index();
            if (i != highlight && Double.isFinite(y[i]) && Double.isFinite(x[i])) {
                marked.add(new int[] {xs.pixel(x[i], pw) / 2, (ph - 1 - ys.pixel(y[i], ph)) / 4, k});
            }
        }
        for (int[] m : marked) {
            Draw.cell(image, frame.plotLeft() + m[0], frame.plotTop() + m[1], m[2] < 0 ? g.highlight() : g.marker(0),
                    fg, TextColor.ANSI.DEFAULT);
            taken[m[1]][m[0]] = true;
        }
        for (int[] m : marked) {
            String text = m[2] < 0 ? Text.clean(mark, g) : Text.label(labels.get(m[2]).text(), g);
            place(image, frame, taken, m[0], m[1], text, fg);
        }
        frame.draw(image, ys.yTicks(frame.plotRows()), xs.xTicks(frame.plotColumns()), List.of());
        if (solidBar) {
            ColorBar.drawSolid(image, frame.rightEdge(), frame.plotTop(), frame.plotRows(), valueMap, ys.lo(), ys.hi(), style);
        } else if (bar && byValue != null) {
            ColorBar.draw(image, frame.rightEdge(), frame.plotTop(), frame.plotRows(), valueMap, ys.lo(), ys.hi(), style);
        } else if (bar) {
            ColorBar.drawEnds(image, frame.rightEdge(), frame.plotTop(), frame.plotRows(), densityMap, "1",
                    Integer.toString(Math.max(1, canvas.maxCount())), style);
        }
        return image;
    }

    /** The title. */
    public String title() {
        return title;
    }

    /** The x values (a copy). */
    public double[] x() {
        return x.clone();
    }

    /** The y values (a copy). */
    public double[] y() {
        return y.clone();
    }

    public String xLabel() {
        return xLabel;
    }

    public String yLabel() {
        return yLabel;
    }

    /** The map points are coloured along by their y value, or null when shaded by density. */
    public Colormap valueColormap() {
        return byValue;
    }

    /** The map that shades by density. */
    public Colormap densityColormap() {
        return density;
    }

    /** The highlighted point, or -1. */
    public int highlightIndex() {
        return highlight;
    }

    /** The highlighted point's name. */
    public String highlightLabel() {
        return highlightLabel;
    }

    /** The labelled points, in the order added. */
    public List<PointLabel> labels() {
        return List.copyOf(labels);
    }

    /**
     * Writes {@code text} next to the point at plot cell (column, row): to its right, else its left, else
     * one row below or above, wherever it covers no other label and stays on the plot. Returns whether it
     * found room.
     */
    private static boolean place(TextImage image, PlotFrame frame, boolean[][] taken, int column, int row,
            String text, TextColor fg) {
        int columns = frame.plotColumns();
        int n = text.length();
        int[][] spots = {{column + 2, row}, {column - 1 - n, row}, {column + 1, row + 1}, {column - n, row + 1},
            {column + 1, row - 1}, {column - n, row - 1}};
        for (int[] spot : spots) {
            int start = spot[0];
            int r = spot[1];
            if (n == 0 || r < 0 || r >= taken.length || start < 0 || start + n > columns) {
                continue;
            }
            boolean free = true;
            for (int c = Math.max(0, start - 1); c < Math.min(columns, start + n + 1) && free; c++) {
                free = !taken[r][c];
            }
            if (!free) {
                continue;
            }
            for (int c = start; c < start + n; c++) {
                taken[r][c] = true;
            }
            Draw.boldText(image, frame.plotLeft() + start, frame.plotTop() + r, text, fg);
            return true;
        }
        return false;
    }
}
