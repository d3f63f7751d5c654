package jlens.chart;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A density histogram of one series (vertical bars in eighth blocks) or several overlaid series (step
 * outlines in braille, one colour each, with a legend or, with {@link #colorBy}, a colour bar).
 *
 * <pre>{@code
 * Histogram h = new Histogram("layer 5 Q/K/V").xLabel("activation").yLabel("density")
 *     .add(Histogram.Series.fromSamples("Q", q, 100, true))
 *     .add(Histogram.Series.fromSamples("K", k, 100, true));
 * }</pre>
 */
public final class Histogram implements Chart {
    /**
     * One binned series.
     *
     * @param name the legend name
     * @param edges bin edges, ascending, one more than heights; a series whose edges are not finite (a histogram
     *     of values none of which is a number) is not drawn
     * @param heights the height of each bin (count or density); NaN leaves a gap
     * @param value the series' position along a {@link ColorBy} map (ignored otherwise)
     */
    public record Series(String name, double[] edges, double[] heights, double value) {
        public Series {
            Objects.requireNonNull(name);
            if (edges.length != heights.length + 1 || heights.length == 0) {
                throw new IllegalArgumentException("need n bins and n + 1 edges, got " + heights.length
                        + " bins and " + edges.length + " edges");
            }
            edges = edges.clone();
            heights = heights.clone();
        }

        public Series(String name, double[] edges, double[] heights) {
            this(name, edges, heights, 0);
        }

        /** Bins {@code samples} into {@code bins} equal bins over [lo, hi]; values outside are dropped. */
        public static Series fromSamples(String name, double[] samples, int bins, double lo, double hi,
                boolean density) {
            double[] edges = new double[bins + 1];
            for (int i = 0; i <= bins; i++) {
                edges[i] = lo + (hi - lo) * i / bins;
            }
            double[] heights = new double[bins];
            int inside = 0;
            for (double s : samples) {
                if (s >= lo && s <= hi) {
                    heights[Math.min(bins - 1, (int) ((s - lo) / (hi - lo) * bins))]++;
                    inside++;
                }
            }
            if (density && inside > 0) {
                double binWidth = (hi - lo) / bins;
                for (int i = 0; i < bins; i++) {
                    heights[i] /= inside * binWidth;
                }
            }
            return new Series(name, edges, heights);
        }

        /** Bins {@code samples} over their own range. */
        public static Series fromSamples(String name, double[] samples, int bins, boolean density) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double s : samples) {
                if (Double.isFinite(s)) {
                    lo = Math.min(lo, s);
                    hi = Math.max(hi, s);
                }
            }
            if (!(hi > lo)) {
                hi = lo + 1;
            }
            return fromSamples(name, samples, bins, lo, hi, density);
        }

        /** The same series placed at {@code v} along a colour map. */
        public Series at(double v) {
            return new Series(name, edges, heights, v);
        }

        /** Whether the series has a place on the x axis (finite first and last edges). */
        boolean hasEdges() {
            return Double.isFinite(edges[0]) && Double.isFinite(edges[edges.length - 1]);
        }

        /** The average height over [a, b]: the value a column covering that x range shows (NaN if a bin there is). */
        double averageOver(double a, double b) {
            double area = 0;
            for (int i = 0; i < heights.length; i++) {
                double overlap = Math.min(b, edges[i + 1]) - Math.max(a, edges[i]);
                if (overlap > 0) {
                    area += overlap * heights[i];
                }
            }
            return b > a ? area / (b - a) : 0;
        }
    }

    private final String title;
    private final List<Series> series = new ArrayList<>();
    private String xLabel = "";
    private String yLabel = "";
    private boolean logY;
    private ColorBy colorBy;

    public Histogram(String title) {
        this.title = title == null ? "" : title;
    }

    public Histogram add(Series s) {
        series.add(Objects.requireNonNull(s));
        return this;
    }

    public Histogram xLabel(String label) {
        this.xLabel = label;
        return this;
    }

    public Histogram yLabel(String label) {
        this.yLabel = label;
        return this;
    }

    /** A logarithmic y axis (bins of height 0 then show nothing). */
    public Histogram logY(boolean log) {
        this.logY = log;
        return this;
    }

    /** Colour the series along a map (by {@link Series#value()}) with a colour bar instead of a legend. */
    public Histogram colorBy(ColorBy by) {
        this.colorBy = by;
        return this;
    }

    @Override
    public TextImage render(int width, int height, RenderStyle style) {
        if (series.isEmpty()) {
            throw new IllegalStateException("a histogram needs at least one series");
        }
        Glyphs g = style.glyphs();
        ColorBy colorBy = mapped();
        boolean bars = series.size() == 1;
        List<PlotFrame.LegendEntry> legend = new ArrayList<>();
        if (colorBy == null && series.size() > 1) {
            for (int i = 0; i < series.size(); i++) {
                legend.add(new PlotFrame.LegendEntry(series.get(i).name(), g.marker(i), colourOf(i, style)));
            }
        }
        String rightLabel = colorBy == null ? "" : colorBy.label();
        PlotFrame frame = new PlotFrame(width, height, style, title, yLabel, rightLabel, xLabel, legend);
        int rows = frame.maxPlotRows();

        double xlo = Double.POSITIVE_INFINITY;
        double xhi = Double.NEGATIVE_INFINITY;
        double ymax = 0;
        double yminPositive = Double.POSITIVE_INFINITY;
        for (Series s : series) {
            if (!s.hasEdges()) {
                continue;
            }
            xlo = Math.min(xlo, s.edges()[0]);
            xhi = Math.max(xhi, s.edges()[s.edges().length - 1]);
            for (double h : s.heights()) {
                if (Double.isFinite(h)) {
                    ymax = Math.max(ymax, h);
                    if (h > 0) {
                        yminPositive = Math.min(yminPositive, h);
                    }
                }
            }
        }
        Scale y = logY
                ? Scale.niceLog(Double.isFinite(yminPositive) ? yminPositive : 1e-3, ymax > 0 ? ymax : 1)
                : Scale.niceLinear(0, ymax > 0 ? ymax : 1, Math.max(1, rows / 3));
        if (!(xhi > xlo)) { // no series has edges: an empty frame (the command says why)
            xlo = 0;
            xhi = 1;
        }
        Scale x = new Scale(xlo, xhi, false);
        int reserve = colorBy == null ? 0 : ColorBar.width(colorBy.lo(), colorBy.hi(), rows);
        frame.layout(y.labelWidth(rows), -1, reserve, rows, -1);
        TextImage image = frame.newImage();
        int columns = frame.plotColumns();
        if (bars) {
            drawBars(image, frame, series.get(0), x, y, style);
        } else {
            drawOutlines(image, frame, x, y, style);
        }
        frame.draw(image, y.yTicks(rows), x.xTicks(columns), List.of());
        if (colorBy != null) {
            ColorBar.draw(image, frame.rightEdge(), frame.plotTop(), frame.plotRows(),
                    colorBy.mapOn(style), colorBy.lo(), colorBy.hi(), style);
        }
        return image;
    }

    /** The title. */
    public String title() {
        return title;
    }

    /** The series, in the order added. */
    public List<Series> series() {
        return List.copyOf(series);
    }

    public String xLabel() {
        return xLabel;
    }

    public String yLabel() {
        return yLabel;
    }

    /** Whether the y axis is logarithmic. */
    public boolean logY() {
        return logY;
    }

    /** The colour map the series are coloured along, or null for the categorical palette (one series: null). */
    public ColorBy colorBy() {
        return mapped();
    }

    /** The colour map in use (none for a single series). */
    private ColorBy mapped() {
        return ColorBy.inUse(colorBy, series.size());
    }

    private int colourOf(int i, RenderStyle style) {
        return ColorBy.seriesRgb(mapped(), i, series.get(i).value(), style);

    }

    private void drawBars(TextImage image, PlotFrame frame, Series s, Scale x, Scale y, RenderStyle style) {
        int rows = frame.plotRows();
        int columns = frame.plotColumns();
        String eighths = style.glyphs().eighths();
        TextColor fg = style.mode() == ColorMode.MONO ? TextColor.ANSI.DEFAULT : Draw.rgb(colourOf(0, style));
        for (int c = 0; c < columns; c++) {
            double a = x.lo() + (x.hi() - x.lo()) * c / columns;
            double b = x.lo() + (x.hi() - x.lo()) * (c + 1) / columns;
            double f = y.fraction(s.averageOver(a, b));
            if (!(f > 0)) {
                continue;
            }
            int total = (int) Math.round(Math.min(1, f) * rows * 8);
            if (total == 0) {
                total = 1; // a non-empty bin never vanishes
            }
            for (int r = 0; r < rows && total > 0; r++) {
                int part = Math.min(8, total);
                Draw.cell(image, frame.plotLeft() + c, frame.plotTop() + rows - 1 - r, eighths.charAt(part - 1),
                        fg, TextColor.ANSI.DEFAULT);
                total -= part;
            }
        }
    }

    private void drawOutlines(TextImage image, PlotFrame frame, Scale x, Scale y, RenderStyle style) {
        DotCanvas canvas = new DotCanvas(frame.plotColumns(), frame.plotRows());
        int pw = canvas.pixelWidth();
        int ph = canvas.pixelHeight();
        int[][] peaks = new int[series.size()][];
        int[][] drawn = new int[series.size()][pw]; // each curve's pixel row per pixel column, -1 where it has none
        for (int[] d : drawn) {
            java.util.Arrays.fill(d, -1);
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            if (!s.hasEdges()) {
                continue;
            }
            int rgb = colourOf(i, style);
            int previous = -1;
            int peakRow = Integer.MAX_VALUE;
            for (int px = 0; px < pw; px++) {
                double a = x.lo() + (x.hi() - x.lo()) * px / pw;
                double b = x.lo() + (x.hi() - x.lo()) * (px + 1) / pw;
                double average = s.averageOver(a, b);
                if (Double.isNaN(average)) { // an undefined density: a gap, not a line at zero
                    previous = -1;
                    continue;
                }
                double f = y.fraction(average);
                int py = Double.isNaN(f) ? ph - 1 : ph - 1 - (int) Math.round(Math.max(0, Math.min(1, f)) * (ph - 1));
                if (mapped() == null) {
                    canvas.seriesLine(px, previous < 0 ? py : previous, px, py, i, rgb); // Q, K, V: each stays seen
                } else {
                    canvas.line(px, previous < 0 ? py : previous, px, py, rgb); // a curve per layer: the last on top
                }
                previous = py;
                drawn[i][px] = py;
                if (py < peakRow) {
                    peakRow = py;
                    peaks[i] = new int[] {px / 2, py / 4};
                }
            }
        }
        boolean colour = style.mode() != ColorMode.MONO;
        canvas.drawInto(image, frame.plotLeft(), frame.plotTop(), style.glyphs(), colour);
        if (mapped() == null) {
            // Columns where every curve lies on the zero line do not count: curves that share only it do not coincide.
            boolean[] empty = new boolean[pw];
            for (int px = 0; px < pw; px++) {
                empty[px] = true;
                for (int[] d : drawn) {
                    empty[px] &= d[px] < 0 || d[px] >= ph - 1;
                }
            }
            frame.note(Coinciding.note(series.stream().map(Series::name).toList(), drawn, empty));
            // Mark each curve's peak with its legend marker, so curves stay tellable apart without colour.
            Markers marks = new Markers();
            for (int i = 0; i < series.size(); i++) {
                if (peaks[i] != null) {
                    marks.add(i, peaks[i][0], peaks[i][1]);
                }
            }
            marks.draw(image, frame.plotLeft(), frame.plotTop(), frame.plotColumns(), style.glyphs(),
                    i -> colour ? Draw.rgb(colourOf(i, style)) : TextColor.ANSI.DEFAULT);
        }
    }
}
