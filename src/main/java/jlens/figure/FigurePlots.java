package jlens.figure;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.List;
import jlens.chart.Background;
import jlens.chart.ColorBy;
import jlens.chart.Colormap;
import jlens.chart.Colormaps;
import jlens.chart.Heatmap;
import jlens.chart.Histogram;
import jlens.chart.LinePlot;
import jlens.chart.ScatterPlot;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Builds a JFreeChart from each text chart's data description: the same data, titles, axis labels, legend
 * and colour bar, for a white page (the series colours and readable map parts of a light background).
 */
final class FigurePlots {
    static final Font TITLE_FONT = FigureDrawing.font(Font.BOLD, 16);
    private static final Font LABEL_FONT = FigureDrawing.font(Font.PLAIN, 13);
    private static final Font TICK_FONT = FigureDrawing.font(Font.PLAIN, 11);
    private static final Background PAGE = Background.LIGHT;
    private static final Color GRID = new Color(0xDDDDDD);
    private static final Color REFERENCE = new Color(0x555555);

    private FigurePlots() {}

    static JFreeChart histogram(Histogram h) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Histogram.Series s : h.series()) {
            XYSeries steps = new XYSeries(s.name(), false, true);
            double[] edges = s.edges();
            double[] heights = s.heights();
            if (Double.isFinite(edges[0]) && Double.isFinite(edges[edges.length - 1])) { // else no place on the axis: empty
                for (int i = 0; i < heights.length; i++) {
                    steps.add(edges[i], shown(heights[i], h.logY()));
                }
                steps.add(edges[edges.length - 1], shown(heights[heights.length - 1], h.logY()));
            }
            data.addSeries(steps); // one per series, empty or not: the colours go by index
        }
        XYStepRenderer renderer = new XYStepRenderer();
        ColorBy by = h.colorBy();
        for (int i = 0; i < h.series().size(); i++) {
            renderer.setSeriesPaint(i, by != null ? rgb(by.map(), by, h.series().get(i).value()) : series(i));
            renderer.setSeriesStroke(i, new BasicStroke(1.6f));
        }
        ValueAxis y = new NumberAxis(h.yLabel());
        if (h.logY()) {
            LogAxis log = new LogAxis(h.yLabel());
            log.setTickUnit(new NumberTickUnit(1)); // whole decades: 10^-3, 10^-2, ...
            y = log;
        }
        XYPlot plot = plot(data, new NumberAxis(h.xLabel()), y, renderer);
        JFreeChart chart = chart(h.title(), plot, by == null && h.series().size() > 1);
        if (by != null) {
            chart.addSubtitle(colourBar(Colormaps.readable(by.map(), PAGE), by.lo(), by.hi(), by.label(), Double.NaN, ""));
        }
        return chart;
    }

    static JFreeChart line(LinePlot p) {
        XYSeriesCollection left = new XYSeriesCollection();
        XYSeriesCollection right = new XYSeriesCollection();
        XYLineAndShapeRenderer leftRenderer = new XYLineAndShapeRenderer(true, true);
        XYLineAndShapeRenderer rightRenderer = new XYLineAndShapeRenderer(true, true);
        ColorBy by = p.colorBy();
        boolean markers = p.series().stream().mapToInt(s -> s.x().length).max().orElse(0) <= 60;
        for (int i = 0; i < p.series().size(); i++) {
            LinePlot.Series s = p.series().get(i);
            XYSeries xy = new XYSeries(s.name() + (s.rightAxis() ? " (right)" : ""), false, true);
            for (int k = 0; k < s.x().length; k++) {
                xy.add(s.x()[k], Double.isFinite(s.y()[k]) ? s.y()[k] : Double.NaN);
            }
            XYSeriesCollection target = s.rightAxis() ? right : left;
            XYLineAndShapeRenderer r = s.rightAxis() ? rightRenderer : leftRenderer;
            int index = target.getSeriesCount();
            target.addSeries(xy);
            r.setSeriesPaint(index, by != null ? rgb(by.map(), by, s.value()) : series(i));
            r.setSeriesStroke(index, new BasicStroke(1.8f));
            r.setSeriesShapesVisible(index, markers && by == null);
            r.setSeriesShape(index, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
        }
        NumberAxis x = new NumberAxis(p.xLabel());
        if (p.series().stream().allMatch(s -> java.util.Arrays.stream(s.x()).allMatch(v -> v == Math.rint(v)))) {
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        NumberAxis y = new NumberAxis(p.yLabel());
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = plot(left, x, y, leftRenderer);
        if (right.getSeriesCount() > 0) {
            NumberAxis rightAxis = new NumberAxis(p.rightLabel());
            rightAxis.setAutoRangeIncludesZero(false);
            style(rightAxis);
            plot.setRangeAxis(1, rightAxis);
            plot.setDataset(1, right);
            plot.mapDatasetToRangeAxis(1, 1);
            plot.setRenderer(1, rightRenderer);
        }
        for (LinePlot.ReferenceLine r : p.referenceLines()) {
            ValueMarker marker = new ValueMarker(r.y(), REFERENCE,
                    new BasicStroke(1.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            marker.setLabel(r.name() + " " + jlens.chart.Ticks.format(r.y()));
            marker.setLabelFont(LABEL_FONT);
            marker.setLabelPaint(REFERENCE);
            marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
            plot.addRangeMarker(marker);
            // Keep the line in view even when the data lie far from it.
            y.setAutoRange(true);
            includeInRange(y, left, r.y());
        }
        JFreeChart chart = chart(p.title(), plot, by == null);
        if (by != null) {
            chart.addSubtitle(colourBar(Colormaps.readable(by.map(), PAGE), by.lo(), by.hi(), by.label(), Double.NaN, ""));
        }
        return chart;
    }

    static JFreeChart scatter(ScatterPlot p) {
        double[] x = p.x();
        double[] y = p.y();
        int n = 0;
        for (int i = 0; i < y.length; i++) {
            n += Double.isFinite(x[i]) && Double.isFinite(y[i]) ? 1 : 0;
        }
        double[][] xyz = new double[3][n];
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0, k = 0; i < y.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                xyz[0][k] = x[i];
                xyz[1][k] = y[i];
                xyz[2][k++] = y[i];
                lo = Math.min(lo, y[i]);
                hi = Math.max(hi, y[i]);
            }
        }
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("points", xyz);
        XYShapeRenderer renderer = new XYShapeRenderer();
        double size = n > 5000 ? 2.2 : 4;
        renderer.setSeriesShape(0, new Ellipse2D.Double(-size / 2, -size / 2, size, size));
        Colormap byValue = p.valueColormap();
        PaintScale scale = null;
        if (byValue != null) {
            scale = paintScale(Colormaps.readable(byValue, PAGE), lo, hi);
            renderer.setPaintScale(scale);
        } else {
            renderer.setUseFillPaint(false);
            Color c = series(0);
            renderer.setPaintScale(new LookupPaintScale(lo, hi + 1, new Color(c.getRed(), c.getGreen(), c.getBlue(), 90)));
        }
        NumberAxis yAxis = new NumberAxis(p.yLabel());
        yAxis.setAutoRangeIncludesZero(false);
        XYPlot plot = plot(data, new NumberAxis(p.xLabel()), yAxis, renderer);
        Color mark = new Color(Colormaps.highlight(PAGE));
        List<Integer> named = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (p.highlightIndex() >= 0) {
            named.add(p.highlightIndex());
            names.add(p.highlightLabel() + " " + jlens.chart.Ticks.format(y[p.highlightIndex()]));
        }
        for (ScatterPlot.PointLabel l : p.labels()) {
            if (l.index() != p.highlightIndex()) {
                named.add(l.index());
                names.add(l.text());
            }
        }
        for (int k = 0; k < named.size(); k++) {
            int i = named.get(k);
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                continue;
            }
            XYTextAnnotation text = new XYTextAnnotation(" " + names.get(k), x[i], y[i]);
            text.setFont(FigureDrawing.font(k == 0 && p.highlightIndex() >= 0 ? Font.BOLD : Font.PLAIN, 12));
            text.setPaint(mark);
            text.setTextAnchor(k % 2 == 0 ? TextAnchor.BOTTOM_LEFT : TextAnchor.TOP_LEFT);
            plot.addAnnotation(text);
        }
        if (!named.isEmpty()) {
            XYSeriesCollection ring = new XYSeriesCollection();
            XYSeries points = new XYSeries("named", false, true);
            for (int i : named) {
                if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                    points.add(x[i], y[i]);
                }
            }
            ring.addSeries(points);
            XYLineAndShapeRenderer rings = new XYLineAndShapeRenderer(false, true);
            rings.setSeriesPaint(0, mark);
            rings.setSeriesShape(0, new Ellipse2D.Double(-4, -4, 8, 8));
            plot.setDataset(1, ring);
            plot.setRenderer(1, rings);
        }
        JFreeChart chart = chart(p.title(), plot, false);
        if (scale != null) {
            chart.addSubtitle(colourBar(Colormaps.readable(byValue, PAGE), lo, hi, p.yLabel(), Double.NaN, ""));
        }
        return chart;
    }

    static JFreeChart heatmap(Heatmap h) {
        double[][] values = h.values();
        double[] range = h.colourRange();
        double[] xRange = h.xRange();
        int columns = 0;
        for (double[] row : values) {
            columns = Math.max(columns, row.length);
        }
        double binWidth = xRange == null ? 1 : (xRange[1] - xRange[0]) / Math.max(1, columns);
        List<double[]> cells = new ArrayList<>();
        for (int r = 0; r < values.length; r++) {
            for (int c = 0; c < values[r].length; c++) {
                double v = values[r][c];
                if (Double.isNaN(v) || v == Double.NEGATIVE_INFINITY) {
                    continue; // masked: the page shows through, as the terminal background does
                }
                double cx = xRange == null ? c : xRange[0] + (c + 0.5) * binWidth;
                cells.add(new double[] {cx, r, Math.max(range[0], Math.min(range[1], v))});
            }
        }
        double[][] xyz = new double[3][cells.size()];
        for (int i = 0; i < cells.size(); i++) {
            for (int k = 0; k < 3; k++) {
                xyz[k][i] = cells.get(i)[k];
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("cells", xyz);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setBlockWidth(binWidth);
        renderer.setBlockHeight(1);
        PaintScale scale = paintScale(h.colormap(), range[0], range[1]);
        renderer.setPaintScale(scale);
        ValueAxis x = h.columnLabels() != null ? symbols(h.xLabel(), labels(h.columnLabels())) : new NumberAxis(h.xLabel());
        if (x instanceof NumberAxis nx) {
            nx.setAutoRangeIncludesZero(false);
            if (xRange == null) {
                nx.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            }
        }
        String[] rowLabels = h.rowLabels();
        ValueAxis y = symbols(h.yLabel(), labels(rowLabels != null ? rowLabels : numbers(values.length)));
        y.setInverted(!h.originBottom());
        if (xRange != null) {
            x.setRange(xRange[0], xRange[1]);
        } else {
            x.setRange(-0.5, columns - 0.5);
        }
        y.setRange(-0.5, values.length - 0.5);
        XYPlot plot = plot(data, x, y, renderer);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        if (h.annotated()) {
            annotate(plot, values, h.cellTexts(), scale);
        }
        JFreeChart chart = chart(h.title(), plot, false);
        chart.addSubtitle(colourBar(h.colormap(), range[0], range[1], h.colorLabel(), h.centre(), h.centreName()));
        return chart;
    }

    /** Each value written in its cell, as in the terminal, in black or white, whichever reads on the cell. */
    private static void annotate(XYPlot plot, double[][] values, String[][] texts, PaintScale scale) {
        for (int r = 0; r < values.length; r++) {
            for (int c = 0; c < values[r].length; c++) {
                if (!Double.isFinite(values[r][c]) || texts[r][c].isEmpty()) {
                    continue;
                }
                Color cell = scale.getPaint(values[r][c]) instanceof Color k ? k : Color.WHITE;
                int rgb = cell.getRGB() & 0xFFFFFF;
                boolean dark = jlens.chart.Contrast.ratio(rgb, 0x000000) < jlens.chart.Contrast.ratio(rgb, 0xFFFFFF);
                org.jfree.chart.annotations.XYTextAnnotation a = new org.jfree.chart.annotations.XYTextAnnotation(texts[r][c], c, r);
                a.setFont(LABEL_FONT);
                a.setPaint(dark ? Color.WHITE : Color.BLACK);
                plot.addAnnotation(a);
            }
        }
    }

    private static SymbolAxis symbols(String label, String[] names) {
        SymbolAxis axis = new SymbolAxis(label, names);
        axis.setGridBandsVisible(false);
        if (names.length > 40) {
            axis.setTickUnit(new NumberTickUnit(Math.ceil(names.length / 30.0)));
        }
        return axis;
    }

    /** Labels as a reader sees them: escapes for control characters, no surrounding spaces lost. */
    private static String[] labels(String[] raw) {
        String[] out = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            String s = raw[i] == null ? "" : raw[i];
            StringBuilder b = new StringBuilder();
            for (char c : s.toCharArray()) {
                b.append(c == '\n' ? "\\n" : c == '\t' ? "\\t" : Character.isISOControl(c) ? "?" : String.valueOf(c));
            }
            out[i] = b.toString();
        }
        return out;
    }

    private static String[] numbers(int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = Integer.toString(i);
        }
        return out;
    }

    private static XYPlot plot(org.jfree.data.xy.XYDataset data, ValueAxis x, ValueAxis y,
            org.jfree.chart.renderer.xy.XYItemRenderer renderer) {
        style(x);
        style(y);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlinePaint(Color.GRAY);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        return plot;
    }

    private static void style(ValueAxis axis) {
        axis.setLabelFont(LABEL_FONT);
        axis.setTickLabelFont(TICK_FONT);
        axis.setLabelPaint(Color.BLACK);
        axis.setTickLabelPaint(Color.DARK_GRAY);
    }

    private static JFreeChart chart(String title, XYPlot plot, boolean legend) {
        JFreeChart chart = new JFreeChart(title, TITLE_FONT, plot, legend);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        if (legend) {
            LegendTitle l = chart.getLegend();
            l.setItemFont(LABEL_FONT);
            l.setFrame(org.jfree.chart.block.BlockBorder.NONE);
            l.setPosition(RectangleEdge.TOP);
        }
        TextTitle t = chart.getTitle();
        if (t != null) {
            t.setPaint(Color.BLACK);
        }
        return chart;
    }

    /** A colour bar at the right: the map over [lo, hi], its label, and a named centre when there is one. */
    private static PaintScaleLegend colourBar(Colormap map, double lo, double hi, String label, double centre,
            String centreName) {
        String name = label == null ? "" : label;
        if (Double.isFinite(centre)) {
            String c = jlens.chart.Ticks.format(centre) + (centreName.isEmpty() ? "" : " = " + centreName);
            name = name.isEmpty() ? c : name + " (" + c + ")";
        }
        NumberAxis axis = new NumberAxis(name);
        style(axis);
        axis.setRange(lo, hi > lo ? hi : lo + 1);
        PaintScaleLegend legend = new PaintScaleLegend(paintScale(map, lo, hi), axis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        legend.setMargin(new RectangleInsets(10, 10, 10, 10));
        legend.setStripWidth(14);
        legend.setSubdivisionCount(128);
        legend.setBackgroundPaint(Color.WHITE);
        return legend;
    }

    private static PaintScale paintScale(Colormap map, double lo, double hi) {
        double top = hi > lo ? hi : lo + 1;
        LookupPaintScale scale = new LookupPaintScale(lo, top + Math.ulp(top) * 4, new Color(map.low()));
        int steps = Math.min(256, map.size());
        for (int i = 0; i < steps; i++) {
            double t = i / (double) steps;
            scale.add(lo + t * (top - lo), new Color(map.rgb(i / (double) (steps - 1))));
        }
        return scale;
    }

    private static Paint rgb(Colormap map, ColorBy by, double value) {
        Colormap readable = Colormaps.readable(map, PAGE);
        double t = by.hi() > by.lo() ? (value - by.lo()) / (by.hi() - by.lo()) : 0;
        return new Color(readable.rgb(t));
    }

    private static Color series(int i) {
        return new Color(Colormaps.categorical(i, PAGE));
    }

    private static double shown(double height, boolean log) {
        return !Double.isFinite(height) || (log && height <= 0) ? Double.NaN : height;
    }

    private static void includeInRange(NumberAxis axis, XYSeriesCollection data, double y) {
        double lo = y;
        double hi = y;
        for (int s = 0; s < data.getSeriesCount(); s++) {
            for (int i = 0; i < data.getItemCount(s); i++) {
                double v = data.getYValue(s, i);
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        double pad = (hi - lo) * 0.08 + 1e-9;
        axis.setRange(lo - pad, hi + pad);
    }
}
