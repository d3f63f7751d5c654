package jlens.chart;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Several series over x (typically layers) as braille lines with a marker at each point, a legend, an
 * optional second y axis on the right, dashed horizontal reference lines, and a mode that colours many
 * series along a colour map with a colour bar ({@link #colorBy}).
 *
 * <pre>{@code
 * new LinePlot("variance by layer").xLabel("layer")
 *     .add(new LinePlot.Series("Q", layers, varQ)).add(new LinePlot.Series("K", layers, varK))
 *     .add(new LinePlot.Series("std", layers, std).onRightAxis()).referenceLine("clean", -2.05);
 * }</pre>
 */
public final class LinePlot implements Chart {
    /**
     * One series.
     *
     * @param name the legend name
     * @param x the x values (same length as y)
     * @param y the y values; NaN breaks the line
     * @param rightAxis whether y is read on the right axis
     * @param value the series' position along a {@link ColorBy} map (ignored otherwise)
     */
    public record Series(String name, double[] x, double[] y, boolean rightAxis, double value) {
        public Series {
            Objects.requireNonNull(name);
            if (x.length != y.length) {
                throw new IllegalArgumentException("x and y differ in length: " + x.length + " vs " + y.length);
            }
            x = x.clone();
            y = y.clone();
        }

        public Series(String name, double[] x, double[] y) {
            this(name, x, y, false, 0);
        }

        /** y over 0, 1, 2, ... (layer numbers). */
        public static Series overIndex(String name, double[] y) {
            double[] x = new double[y.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i;
            }
            return new Series(name, x, y);
        }

        /** The same series read on the right y axis. */
        public Series onRightAxis() {
            return new Series(name, x, y, true, value);
        }

        /** The same series placed at {@code v} along a colour map. */
        public Series at(double v) {
            return new Series(name, x, y, rightAxis, v);
        }
    }

    /**
     * A dashed horizontal line at y, on the left axis, named in the legend.
     *
     * @param name the legend name (the value is added to it)
     * @param y where the line is
     */
    public record ReferenceLine(String name, double y) {}

    private final String title;
    private final List<Series> series = new ArrayList<>();
    private final List<ReferenceLine> references = new ArrayList<>();
    private String xLabel = "";
    private String yLabel = "";
    private String rightLabel = "";
    private ColorBy colorBy;
    private Boolean markers;

    public LinePlot(String title) {
        this.title = title == null ? "" : title;
    }

    public LinePlot add(Series s) {
        series.add(Objects.requireNonNull(s));
        return this;
    }

    public LinePlot xLabel(String label) {
        this.xLabel = label;
        return this;
    }

    public LinePlot yLabel(String label) {
        this.yLabel = label;
        return this;
    }

    /** The label of the right y axis. */
    public LinePlot rightLabel(String label) {
        this.rightLabel = label;
        return this;
    }

    /** A dashed horizontal line at {@code y} (the clean value, say), named in the legend with its value. */
    public LinePlot referenceLine(String name, double y) {
        references.add(new ReferenceLine(name, y));
        return this;
    }

    /** Colour the series along a map (by {@link Series#value()}) with a colour bar instead of a legend. */
    public LinePlot colorBy(ColorBy by) {
        this.colorBy = by;
        return this;
    }

    /** Force markers at the points on or off; by default they are drawn when the points are not crowded. */
    public LinePlot markers(boolean on) {
        this.markers = on;
        return this;
    }

    @Override
    public TextImage render(int width, int height, RenderStyle style) {
        if (series.isEmpty()) {
            throw new IllegalStateException("a line plot needs at least one series");
        }
        Glyphs g = style.glyphs();
        boolean colour = style.mode() != ColorMode.MONO;
        boolean hasRight = series.stream().anyMatch(Series::rightAxis);
        ColorBy colorBy = mapped();
        List<PlotFrame.LegendEntry> legend = new ArrayList<>();
        if (colorBy == null) {
            for (int i = 0; i < series.size(); i++) {
                Series s = series.get(i);
                legend.add(new PlotFrame.LegendEntry(s.name() + (hasRight && s.rightAxis() ? " (right)" : ""),
                        g.marker(i), colourOf(i, style)));
            }
        }
        for (ReferenceLine r : references) {
            legend.add(new PlotFrame.LegendEntry(r.name() + " " + Ticks.format(r.y()), g.dashed(), Draw.CHROME));
        }
        String right = hasRight ? rightLabel : colorBy != null ? colorBy.label() : "";
        PlotFrame frame = new PlotFrame(width, height, style, title, yLabel, right, xLabel, legend);
        int rows = frame.maxPlotRows();

        double[] xr = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        double[] left = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        double[] rightRange = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        boolean integers = true;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                // A point whose y is missing (NaN) keeps its place on the x axis, so the gap shows where it is
                // (an ablation whose first layers are NaN is not drawn as if it started at its first finite one).
                if (Double.isFinite(s.x()[i])) {
                    extend(xr, s.x()[i]);
                    integers &= s.x()[i] == Math.rint(s.x()[i]);
                }
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    extend(s.rightAxis() ? rightRange : left, s.y()[i]);
                }
            }
        }
        for (ReferenceLine r : references) {
            extend(left, r.y());
        }
        if (!(xr[1] >= xr[0])) {
            xr = new double[] {0, 1};
        }
        Scale x = new Scale(xr[0], xr[1], false);
        Scale yLeft = Scale.niceLinear(finiteOr(left[0], 0), finiteOr(left[1], 1), Math.max(1, rows / 3));
        Scale yRight = hasRight
                ? Scale.niceLinear(finiteOr(rightRange[0], 0), finiteOr(rightRange[1], 1), Math.max(1, rows / 3))
                : null;
        int reserve = colorBy == null ? 0 : ColorBar.width(colorBy.lo(), colorBy.hi(), rows);
        frame.layout(yLeft.labelWidth(rows), hasRight ? yRight.labelWidth(rows) : -1, reserve, rows, -1);
        TextImage image = frame.newImage();

        DotCanvas canvas = new DotCanvas(frame.plotColumns(), frame.plotRows());
        int pw = canvas.pixelWidth();
        int ph = canvas.pixelHeight();
        // Reference lines first, as dashes on the dot grid at their exact height; series drawn later win the
        // colour of any cell they share.
        for (ReferenceLine r : references) {
            int py = ph - 1 - yLeft.pixel(r.y(), ph);
            for (int px = 0; px < pw; px++) {
                if (px % 4 < 2) {
                    canvas.dot(px, py, Draw.CHROME);
                }
            }
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            Scale y = s.rightAxis() ? yRight : yLeft;
            int[] previous = null;
            for (int k = 0; k < s.x().length; k++) {
                if (!Double.isFinite(s.x()[k]) || !Double.isFinite(s.y()[k])) {
                    previous = null;
                    continue;
                }
                int[] p = {x.pixel(s.x()[k], pw), ph - 1 - y.pixel(s.y()[k], ph)};
                // Named series share cells in turn (each stays seen); many coloured along a map: the last on top.
                int series = colorBy == null ? i : -1;
                if (previous != null) {
                    canvas.seriesLine(previous[0], previous[1], p[0], p[1], series, colourOf(i, style));
                } else {
                    canvas.seriesDot(p[0], p[1], series, colourOf(i, style));
                }
                previous = p;
            }
        }
        canvas.drawInto(image, frame.plotLeft(), frame.plotTop(), g, colour);
        if (colorBy == null) {
            frame.note(Coinciding.note(series.stream().map(Series::name).toList(), pointRows(x, yLeft, yRight, pw, ph), null));
        }
        if (showMarkers(frame.plotColumns())) {
            Markers marks = new Markers();
            for (int i = 0; i < series.size(); i++) {
                Series s = series.get(i);
                Scale y = s.rightAxis() ? yRight : yLeft;
                for (int k = 0; k < s.x().length; k++) {
                    if (Double.isFinite(s.x()[k]) && Double.isFinite(s.y()[k])) {
                        marks.add(i, x.pixel(s.x()[k], pw) / 2, (ph - 1 - y.pixel(s.y()[k], ph)) / 4);
                    }
                }
            }
            marks.draw(image, frame.plotLeft(), frame.plotTop(), frame.plotColumns(), g,
                    i -> colour ? Draw.rgb(colourOf(i, style)) : TextColor.ANSI.DEFAULT);
        }
        List<PlotFrame.Tick> xTicks = integers ? x.integerXTicks(frame.plotColumns()) : x.xTicks(frame.plotColumns());
        frame.draw(image, yLeft.yTicks(frame.plotRows()), xTicks,
                hasRight ? yRight.yTicks(frame.plotRows()) : List.of());
        if (colorBy != null) {
            ColorBar.draw(image, frame.rightEdge(), frame.plotTop(), frame.plotRows(),
                    colorBy.mapOn(style), colorBy.lo(), colorBy.hi(), style);
        }
        return image;
    }

    /**
     * Each series' pixel row at each x of the first series (-1 where it has no finite value there), for telling
     * which series coincide; series over other x values never do.
     */
    private int[][] pointRows(Scale x, Scale yLeft, Scale yRight, int pw, int ph) {
        double[] xs = series.get(0).x();
        int[][] rows = new int[series.size()][xs.length];
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            Scale y = s.rightAxis() ? yRight : yLeft;
            java.util.Arrays.fill(rows[i], -1);
            for (int k = 0; k < xs.length; k++) {
                boolean sameX = k < s.x().length && s.x()[k] == xs[k];
                if (sameX && Double.isFinite(s.y()[k])) {
                    rows[i][k] = ph - 1 - y.pixel(s.y()[k], ph);
                } else if (!sameX) {
                    rows[i][k] = -2 - k; // never within reach of another series' row
                }
            }
        }
        return rows;
    }

    /** The title. */
    public String title() {
        return title;
    }

    /** The series, in the order added. */
    public List<Series> series() {
        return List.copyOf(series);
    }

    /** The dashed reference lines. */
    public List<ReferenceLine> referenceLines() {
        return List.copyOf(references);
    }

    public String xLabel() {
        return xLabel;
    }

    public String yLabel() {
        return yLabel;
    }

    /** The right axis label. */
    public String rightLabel() {
        return rightLabel;
    }

    /** The colour map the series are coloured along, or null for the categorical palette (one series: null). */
    public ColorBy colorBy() {
        return mapped();
    }

    private boolean showMarkers(int columns) {
        if (markers != null) {
            return markers;
        }
        int most = series.stream().mapToInt(s -> s.x().length).max().orElse(0);
        return mapped() == null && most <= columns / 3;
    }

    /** The colour map in use (none for a single series). */
    private ColorBy mapped() {
        return ColorBy.inUse(colorBy, series.size());
    }

    private int colourOf(int i, RenderStyle style) {
        return ColorBy.seriesRgb(mapped(), i, series.get(i).value(), style);

    }

    private static void extend(double[] range, double v) {
        if (Double.isFinite(v)) {
            range[0] = Math.min(range[0], v);
            range[1] = Math.max(range[1], v);
        }
    }

    private static double finiteOr(double v, double fallback) {
        return Double.isFinite(v) ? v : fallback;
    }
}
