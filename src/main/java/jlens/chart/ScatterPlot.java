package jlens.chart;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A scatter or strip plot of many points (tens of thousands) on a braille canvas. Where points overlap, cells
 * are shaded by how many points they hold (brighter = more, log scale), or, with {@link #colorByValue}, each
 * cell takes the colour of its y value. One point can be highlighted with a marker and a label.
 *
 * <pre>{@code
 * new ScatterPlot("log-probabilities", logProbs).xLabel("vocabulary index").highlight(target, "' Paris'")
 * }</pre>
 */
public final class ScatterPlot implements Chart {
    /** The highlight colour: a light red that stands out against every colour map used here. */
    static final int HIGHLIGHT = 0xFF5F5F;

    private final String title;
    private final double[] x;
    private final double[] y;
    private String xLabel = "";
    private String yLabel = "";
    private Colormap density = Colormaps.PLASMA;
    private Colormap byValue;
    private int highlight = -1;
    private String highlightLabel = "";

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

    @Override
    public TextImage render(int width, int height, RenderStyle style) {
        Glyphs g = style.glyphs();
        boolean colour = style.mode() != ColorMode.MONO;
        List<PlotFrame.LegendEntry> legend = new ArrayList<>();
        String mark = "";
        if (highlight >= 0) {
            mark = highlightLabel + " " + Ticks.format(y[highlight]);
            legend.add(new PlotFrame.LegendEntry(mark, g.highlight(), HIGHLIGHT));
        }
        // Says how to read the shading, where there is room for it beside the legend.
        String note = byValue != null || width < 80 ? ""
                : style.mode().hasColormaps() ? "brighter = more points" : "denser glyph = more points";
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
        frame.layout(ys.labelWidth(rows), -1, 0, rows, -1);
        TextImage image = frame.newImage();

        DotCanvas canvas = new DotCanvas(frame.plotColumns(), frame.plotRows());
        int pw = canvas.pixelWidth();
        int ph = canvas.pixelHeight();
        for (int i = 0; i < y.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                int py = ph - 1 - ys.pixel(y[i], ph);
                int rgb = byValue == null ? 0 : byValue.rgb(ys.fraction(y[i]));
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
                    // Start the density map a little above its dark end so single points stay visible.
                    fg = Draw.rgb(byValue != null ? canvas.colour(c, r) : density.rgb(0.2 + 0.8 * f));
                }
                Draw.cell(image, frame.plotLeft() + c, frame.plotTop() + r, glyph, fg, TextColor.ANSI.DEFAULT);
            }
        }
        if (highlight >= 0 && Double.isFinite(y[highlight])) {
            int column = xs.pixel(x[highlight], pw) / 2;
            int row = (ph - 1 - ys.pixel(y[highlight], ph)) / 4;
            TextColor fg = colour ? Draw.rgb(HIGHLIGHT) : TextColor.ANSI.DEFAULT;
            int px = frame.plotLeft() + column;
            int py = frame.plotTop() + row;
            Draw.cell(image, px, py, g.highlight(), fg, TextColor.ANSI.DEFAULT);
            String label = Text.clean(mark, g);
            int right = frame.plotLeft() + frame.plotColumns();
            // Beside the point, on whichever side has room; labels go over the dots, never off the plot.
            int start = px + 2 + label.length() <= right ? px + 2 : px - 1 - label.length();
            if (start >= frame.plotLeft()) {
                Draw.boldText(image, start, py, label, fg);
            }
        }
        frame.draw(image, ys.yTicks(frame.plotRows()), xs.xTicks(frame.plotColumns()), List.of());
        return image;
    }
}
