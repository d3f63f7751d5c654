package jlens.chart;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.BasicTextImage;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.List;

/**
 * The layout shared by every chart with axes: title, a header row (y label, legend, right label), the plot
 * area with a left (and optional right) y axis, the x axis with ticks, tick labels and an x label.
 *
 * <p>Use in two steps: {@link #maxPlotRows()} tells the chart how many rows it may use so it can choose its
 * y ticks; {@link #layout} then fixes the plot rectangle from the label widths, and {@link #draw} draws the
 * chrome around what the chart puts inside.
 */
final class PlotFrame {
    /** A tick at a row (from the plot's top) or a column (from the plot's left), with its label. */
    record Tick(int at, String label) {}

    /** A legend entry: a marker in the series colour, then the name. */
    record LegendEntry(String name, char marker, int rgb) {}

    /** The smallest chart drawn at all; a panel of small multiples on 40 columns is about 12 wide. */
    static final int MIN_WIDTH = 10;
    static final int MIN_HEIGHT = 5;

    private final int width;
    private final int height;
    private final RenderStyle style;
    private final Glyphs glyphs;
    private final String title;
    private final String yLabel;
    private final String rightLabel;
    private final String xLabel;
    private final List<LegendEntry> legend;

    private String note = "";
    private int plotTop;
    private int plotRows;
    private int plotLeft;
    private int plotColumns;
    private int leftLabelWidth;
    private int rightAxisLabelWidth;
    private boolean rightAxis;
    private int rightReserve;

    PlotFrame(int width, int height, RenderStyle style, String title, String yLabel, String rightLabel,
            String xLabel, List<LegendEntry> legend) {
        if (width < MIN_WIDTH || height < MIN_HEIGHT) {
            throw new IllegalArgumentException("a chart needs at least " + MIN_WIDTH + " x " + MIN_HEIGHT
                    + " cells, got " + width + " x " + height);
        }
        this.width = width;
        this.height = height;
        this.style = style;
        this.glyphs = style.glyphs();
        this.title = Text.clean(title, glyphs);
        this.yLabel = Text.clean(yLabel, glyphs);
        this.rightLabel = Text.clean(rightLabel, glyphs);
        this.xLabel = Text.clean(xLabel, glyphs);
        this.legend = List.copyOf(legend);
    }

    /**
     * Something the chart found while drawing that the reader must know (series that coincide), added to the
     * title in parentheses; "" for none.
     */
    void note(String text) {
        this.note = Text.clean(text == null ? "" : text, glyphs);
    }

    private int titleRows() {
        return title.isEmpty() ? 0 : 1;
    }

    private int headerRows() {
        if (legend.isEmpty() && yLabel.isEmpty() && rightLabel.isEmpty()) {
            return 0;
        }
        return legendOwnRow() ? 2 : 1;
    }

    /**
     * Whether the legend goes on a row of its own under the axis labels: when it would not fit beside them
     * and the chart is tall enough to give up a row (a cut legend hides what the colours mean).
     */
    private boolean legendOwnRow() {
        if (legend.isEmpty() || height < 10) {
            return false;
        }
        int labels = Math.min(yLabel.length(), width / 3) + Math.min(rightLabel.length(), width / 2);
        return labels > 0 && legendLength() + labels + 4 > width;
    }

    private int legendLength() {
        int length = 0;
        for (LegendEntry e : legend) {
            length += (length == 0 ? 0 : 2) + 2 + Text.clean(e.name(), glyphs).length();
        }
        return length;
    }

    private boolean keepXLabel;

    /** Keeps the x label however short the chart (an annotated grid needs its "head" more than a row of plot). */
    PlotFrame keepXLabel() {
        keepXLabel = true;
        return this;
    }

    private boolean showXLabel() {
        // On a short chart the x label is the first thing to go: the plot needs the rows more.
        return !xLabel.isEmpty() && (height >= 12 || keepXLabel);
    }

    /** The rows left for the plot area once title, header and x axis rows are taken. */
    int maxPlotRows() {
        return Math.max(1, height - titleRows() - headerRows() - 2 - (showXLabel() ? 1 : 0));
    }

    /**
     * Fixes the plot rectangle.
     *
     * @param leftLabels width of the left tick labels
     * @param rightAxisLabels width of the right axis tick labels, or -1 for no right axis
     * @param rightReserve columns kept free at the right (for a colour bar)
     * @param rows plot rows to use, at most {@link #maxPlotRows()}
     * @param columns plot columns to use, or -1 for all that are left
     */
    void layout(int leftLabels, int rightAxisLabels, int rightReserve, int rows, int columns) {
        leftLabelWidth = Math.min(leftLabels, width / 3);
        rightAxis = rightAxisLabels >= 0;
        this.rightReserve = rightReserve;
        rightAxisLabelWidth = Math.max(0, Math.min(rightAxisLabels, width / 4));
        plotTop = titleRows() + headerRows();
        plotRows = Math.max(1, Math.min(rows, maxPlotRows()));
        plotLeft = leftLabelWidth + 2;
        int available = width - plotLeft - (rightAxis ? 2 + rightAxisLabelWidth : 0) - rightReserve;
        plotColumns = Math.max(1, columns < 0 ? available : Math.min(columns, available));
    }

    /** The columns the plot can have with these label widths, before {@link #layout} is called. */
    int availableColumns(int leftLabels, int rightAxisLabels, int rightReserve) {
        int left = Math.min(leftLabels, width / 3) + 2;
        int right = rightAxisLabels >= 0 ? 2 + Math.max(0, Math.min(rightAxisLabels, width / 4)) : 0;
        return Math.max(1, width - left - right - rightReserve);
    }

    int plotTop() {
        return plotTop;
    }

    int plotRows() {
        return plotRows;
    }

    int plotLeft() {
        return plotLeft;
    }

    int plotColumns() {
        return plotColumns;
    }

    /** The first column after the plot and its right axis and labels: where a colour bar may start. */
    int rightEdge() {
        return plotLeft + plotColumns + (rightAxis ? 2 + rightAxisLabelWidth : 0);
    }

    int imageRows() {
        return plotTop + plotRows + 2 + (showXLabel() ? 1 : 0);
    }

    /** A blank image of the full width and the rows this layout uses. */
    TextImage newImage() {
        return new BasicTextImage(new TerminalSize(width, imageRows()));
    }

    /** Draws title, header, axes, ticks and labels around the plot area. */
    void draw(TextImage image, List<Tick> yTicks, List<Tick> xTicks, List<Tick> rightTicks) {
        boolean colour = style.mode() != ColorMode.MONO;
        if (!title.isEmpty()) {
            String t = Text.fit(note.isEmpty() ? title : title + " (" + note + ")", width, glyphs);
            // Centred over what it names: the plot and its colour bar, when they leave part of the width empty.
            int span = Math.min(width, rightEdge() + rightReserve);
            int x = Math.max(0, Math.min((span - t.length()) / 2, width - t.length()));
            Draw.boldText(image, x, 0, t, TextColor.ANSI.DEFAULT);
        }
        if (headerRows() > 0) {
            drawHeader(image, titleRows(), colour, legendOwnRow());
        }
        int axisX = plotLeft - 1;
        for (int r = 0; r < plotRows; r++) {
            Draw.chrome(image, axisX, plotTop + r, glyphs.vertical(), colour);
            if (rightAxis) {
                Draw.chrome(image, plotLeft + plotColumns, plotTop + r, glyphs.vertical(), colour);
            }
        }
        for (Tick t : yTicks) {
            if (t.at() >= 0 && t.at() < plotRows) {
                Draw.chrome(image, axisX, plotTop + t.at(), glyphs.yTick(), colour);
                String label = Text.fit(t.label(), leftLabelWidth, glyphs);
                Draw.text(image, axisX - 1 - label.length(), plotTop + t.at(), label);
            }
        }
        for (Tick t : rightTicks) {
            if (t.at() >= 0 && t.at() < plotRows) {
                Draw.chrome(image, plotLeft + plotColumns, plotTop + t.at(), glyphs.yTickRight(), colour);
                Draw.text(image, plotLeft + plotColumns + 2, plotTop + t.at(),
                        Text.fit(t.label(), rightAxisLabelWidth, glyphs));
            }
        }
        int axisY = plotTop + plotRows;
        Draw.chrome(image, axisX, axisY, glyphs.corner(), colour);
        for (int c = 0; c < plotColumns; c++) {
            Draw.chrome(image, plotLeft + c, axisY, glyphs.horizontal(), colour);
        }
        if (rightAxis) {
            Draw.chrome(image, plotLeft + plotColumns, axisY, glyphs.cornerRight(), colour);
        }
        drawXTicks(image, axisY, xTicks, colour);
        if (showXLabel()) {
            String label = Text.fit(xLabel, width, glyphs);
            int x = plotLeft + (plotColumns - label.length()) / 2;
            Draw.text(image, Math.max(0, Math.min(x, width - label.length())), axisY + 2, label);
        }
    }

    private void drawXTicks(TextImage image, int axisY, List<Tick> xTicks, boolean colour) {
        int lastEnd = -1; // first free column after the previous label: labels never touch or overlap
        int limit = rightEdge();
        for (Tick t : xTicks) {
            if (t.at() < 0 || t.at() >= plotColumns) {
                continue;
            }
            int column = plotLeft + t.at();
            String label = Text.fit(t.label(), Math.max(1, plotColumns), glyphs);
            int start = column - (label.length() - 1) / 2;
            start = Math.max(0, Math.min(start, Math.max(limit, width) - label.length()));
            if (start <= lastEnd) {
                continue; // thinned: this label would touch the previous one
            }
            Draw.chrome(image, column, axisY, glyphs.xTick(), colour);
            Draw.text(image, start, axisY + 1, label);
            lastEnd = start + label.length();
        }
    }

    private void drawHeader(TextImage image, int y, boolean colour, boolean legendBelow) {
        int used = 0;
        if (!yLabel.isEmpty()) {
            used = Draw.text(image, 0, y, Text.fit(yLabel, width / 3, glyphs));
        }
        int rightStart = width;
        if (!rightLabel.isEmpty()) {
            String label = Text.fit(rightLabel, Math.max(1, Math.min(width / 2, width - used - 2)), glyphs);
            // Right-aligned over what it names (right axis or colour bar), not at the far edge of the image.
            int end = Math.max(label.length(), Math.min(width, rightEdge() + rightReserve));
            rightStart = end - label.length();
            Draw.text(image, rightStart, y, label);
        }
        if (legend.isEmpty()) {
            return;
        }
        if (legendBelow) {
            used = 0;
            rightStart = width + 1;
            y++;
        }
        int room = rightStart - used - 2;
        StringBuilder plain = new StringBuilder();
        for (LegendEntry e : legend) {
            plain.append(plain.length() == 0 ? "" : "  ").append(e.marker()).append(' ').append(e.name());
        }
        int length = Math.min(plain.length(), Math.max(0, room));
        int centre = plotLeft + plotColumns / 2;
        int x = Math.max(used + 1, Math.min(centre - length / 2, rightStart - 1 - length));
        int end = x + length;
        for (int i = 0; i < legend.size() && x < end; i++) {
            LegendEntry e = legend.get(i);
            if (i > 0) {
                x += 2;
            }
            if (x >= end) {
                break;
            }
            TextColor fg = colour ? Draw.rgb(e.rgb()) : TextColor.ANSI.DEFAULT;
            Draw.cell(image, x++, y, e.marker(), fg, TextColor.ANSI.DEFAULT);
            String name = Text.fit(Text.clean(" " + e.name(), glyphs), Math.max(0, end - x), glyphs);
            x = Draw.text(image, x, y, name);
        }
    }
}
