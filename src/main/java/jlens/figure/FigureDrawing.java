package jlens.figure;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.List;
import jlens.chart.Chart;
import jlens.chart.CircuitDiagram;
import jlens.chart.Heatmap;
import jlens.chart.Histogram;
import jlens.chart.LinePlot;
import jlens.chart.ScatterPlot;
import jlens.chart.SmallMultiples;
import org.jfree.chart.JFreeChart;

/** Something that draws a figure into a rectangle: one JFreeChart, or a grid of them under a shared title. */
interface FigureDrawing {
    void draw(Graphics2D g, Rectangle2D area);

    /** The drawing of a chart kind; an unknown kind is an IllegalArgumentException. */
    static FigureDrawing of(Chart chart) {
        if (chart instanceof SmallMultiples multiples) {
            return grid(multiples);
        }
        if (chart instanceof CircuitDiagram circuit) {
            return new FigureCircuit(circuit);
        }
        JFreeChart figure = single(chart);
        return figure::draw;
    }

    private static JFreeChart single(Chart chart) {
        if (chart instanceof Histogram h) {
            return FigurePlots.histogram(h);
        } else if (chart instanceof Heatmap h) {
            return FigurePlots.heatmap(h);
        } else if (chart instanceof LinePlot p) {
            return FigurePlots.line(p);
        } else if (chart instanceof ScatterPlot p) {
            return FigurePlots.scatter(p);
        }
        throw new IllegalArgumentException("no figure for a " + chart.getClass().getSimpleName());
    }

    /** Panels side by side (up to three a row, then further rows) under the shared title. */
    private static FigureDrawing grid(SmallMultiples multiples) {
        List<Chart> charts = multiples.charts();
        List<JFreeChart> panels = charts.stream().map(FigureDrawing::single).toList();
        String title = multiples.title();
        return (g, area) -> {
            double top = area.getY();
            if (!title.isEmpty()) {
                g.setPaint(Color.BLACK);
                g.setFont(FigurePlots.TITLE_FONT);
                int textWidth = g.getFontMetrics().stringWidth(title);
                g.drawString(title, (float) (area.getCenterX() - textWidth / 2.0), (float) (top + 22));
                top += 32;
            }
            int n = panels.size();
            int perRow = Math.min(n, 3);
            int rows = (n + perRow - 1) / perRow;
            double w = area.getWidth() / perRow;
            double h = (area.getMaxY() - top) / rows;
            for (int i = 0; i < n; i++) {
                panels.get(i).draw(g, new Rectangle2D.Double(area.getX() + (i % perRow) * w, top + (i / perRow) * h, w, h));
            }
        };
    }

    /** A font that exists on every Java runtime. */
    static Font font(int style, int size) {
        return new Font(Font.SANS_SERIF, style, size);
    }
}
