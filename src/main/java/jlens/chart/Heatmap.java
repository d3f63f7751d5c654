package jlens.chart;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A heatmap of a matrix with row and column labels and a colour bar.
 *
 * <p>Cells are half blocks, so one text row shows two matrix rows; small matrices are scaled up by whole
 * multiples (never unevenly) and big ones pooled by the mean, said in the title. Rows go top to bottom as in a
 * matrix (queries down, keys across) unless {@link #originBottom} puts row 0 at the bottom (layers).
 * NaN and negative-infinite cells are masked: drawn in the terminal's background (a space in mono).
 * The image may have fewer rows than asked for, since rows are never stretched unevenly.
 *
 * <p>A small matrix whose columns are numbered (a layer x head grid: no column labels, no value range) is drawn
 * annotated when it fits: each value written in its cell, cells about as high as they are wide (three rows of
 * seven columns, or two of five; one row each where the height allows no more), rows and columns labelled, so a 2 x 3 grid is a table in colour rather than a
 * strip across the screen. Cell colours always stand out from the terminal's background (see
 * {@link Colormaps#forCells}), the colour bar's too.
 *
 * <pre>{@code
 * new Heatmap(scores).rowLabels(tokens).columnLabels(tokens).range(-90, 0).title("QK^T layer 5")
 * new Heatmap(density).rowLabels(layers).originBottom(true).xRange(-5, 5).colormap(Colormaps.MAGMA)
 * }</pre>
 */
public final class Heatmap implements Chart {
    private static final int MAX_LABEL = 10;

    private final double[][] values;
    private String title = "";
    private String xLabel = "";
    private String yLabel = "";
    private String colorLabel = "";
    private String[] rowLabels;
    private String[] columnLabels;
    private double xLo = Double.NaN;
    private double xHi = Double.NaN;
    private double lo = Double.NaN;
    private double hi = Double.NaN;
    private Colormap colormap = Colormaps.MAGMA;
    private boolean originBottom;
    private double centre = Double.NaN;
    private String centreName = "";

    /** A heatmap of {@code values[row][column]}; rows may differ in length (missing cells are masked). */
    public Heatmap(double[][] values) {
        Objects.requireNonNull(values);
        if (values.length == 0) {
            throw new IllegalArgumentException("a heatmap needs at least one row");
        }
        this.values = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            this.values[i] = values[i].clone();
        }
    }

    public Heatmap title(String t) {
        this.title = t;
        return this;
    }

    public Heatmap xLabel(String label) {
        this.xLabel = label;
        return this;
    }

    public Heatmap yLabel(String label) {
        this.yLabel = label;
        return this;
    }

    /** What the colour means, shown above the colour bar. */
    public Heatmap colorLabel(String label) {
        this.colorLabel = label;
        return this;
    }

    /** One label per row (token strings, layer numbers); thinned when rows are crowded. */
    public Heatmap rowLabels(String... labels) {
        this.rowLabels = labels.clone();
        return this;
    }

    /** One label per column; thinned when they would touch. */
    public Heatmap columnLabels(String... labels) {
        this.columnLabels = labels.clone();
        return this;
    }

    /** Columns are equal bins over [lo, hi]: the x axis gets nice numeric ticks instead of labels. */
    public Heatmap xRange(double lo, double hi) {
        this.xLo = lo;
        this.xHi = hi;
        return this;
    }

    /** A fixed colour range; values outside are clamped. Without it the range is the data's min and max. */
    public Heatmap range(double lo, double hi) {
        if (!(hi > lo)) {
            throw new IllegalArgumentException("range needs lo < hi");
        }
        this.lo = lo;
        this.hi = hi;
        return this;
    }

    public Heatmap colormap(Colormap map) {
        this.colormap = Objects.requireNonNull(map);
        return this;
    }

    /**
     * Colours by distance from {@code centre} with the diverging {@link Colormaps#COOLWARM} map (call
     * {@link #colormap} after this for another): white at the centre, blue below, red above, on a range
     * symmetric about the centre unless {@link #range} fixes one. The colour bar names the centre
     * ({@code "0 = clean -3.21"}); {@code name} may be empty.
     */
    public Heatmap diverging(double centre, String name) {
        if (!Double.isFinite(centre)) {
            throw new IllegalArgumentException("the centre must be finite");
        }
        this.centre = centre;
        this.centreName = name == null ? "" : name;
        this.colormap = Colormaps.COOLWARM;
        return this;
    }

    /** Row 0 at the bottom, like a plot's y axis (layers); default is matrix order, row 0 at the top. */
    public Heatmap originBottom(boolean bottom) {
        this.originBottom = bottom;
        return this;
    }

    /** The matrix (a copy; rows may differ in length). */
    public double[][] values() {
        double[][] copy = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            copy[i] = values[i].clone();
        }
        return copy;
    }

    public String title() {
        return title;
    }

    public String xLabel() {
        return xLabel;
    }

    public String yLabel() {
        return yLabel;
    }

    /** What the colour means. */
    public String colorLabel() {
        return colorLabel;
    }

    /** The row labels, or null for row numbers. */
    public String[] rowLabels() {
        return rowLabels == null ? null : rowLabels.clone();
    }

    /** The column labels, or null. */
    public String[] columnLabels() {
        return columnLabels == null ? null : columnLabels.clone();
    }

    /** {lo, hi} of the columns' value range, or null when columns are labelled or numbered. */
    public double[] xRange() {
        return Double.isNaN(xLo) ? null : new double[] {xLo, xHi};
    }

    /** {lo, hi}: the colour range drawn (fixed, the data's, or symmetric about the centre). */
    public double[] colourRange() {
        return range();
    }

    public Colormap colormap() {
        return colormap;
    }

    /** Whether row 0 is at the bottom. */
    public boolean originBottom() {
        return originBottom;
    }

    /** The diverging centre, or NaN. */
    public double centre() {
        return centre;
    }

    /** The centre's name on the colour bar. */
    public String centreName() {
        return centreName;
    }

    static boolean masked(double v) {
        return Double.isNaN(v) || v == Double.NEGATIVE_INFINITY;
    }

    @Override
    public TextImage render(int width, int height, RenderStyle style) {
        Glyphs g = style.glyphs();
        int rows = values.length;
        int columns = 0;
        for (double[] row : values) {
            columns = Math.max(columns, row.length);
        }
        columns = Math.max(1, columns);
        double[] range = range();
        Colormap cells = Colormaps.forCells(colormap, style.background());
        if (annotated()) {
            TextImage annotated = renderAnnotated(width, height, style, range, cells);
            if (annotated != null) {
                return annotated;
            }
        }

        int maxRows = frame(width, height, style, title).maxPlotRows();
        // Colour cells are half blocks, two matrix rows per text row; a ramp glyph shows only one value, so
        // without colour maps each text row is one matrix row (or one pooled group, said in the title).
        int sub = style.mode().hasColormaps() ? 2 : 1;
        int maxPixels = sub * maxRows;
        // Too many rows: mean-pool them (see evenGroups); too few: repeat each a whole number of times, so
        // every row keeps one height.
        int rowGroups = evenGroups(rows, maxPixels); // whole rows per group: layers 0-1, 2-3, ...
        int pixelsPerRow = rowGroups < rows ? 1 : Math.min(4, maxPixels / rows);
        if (sub == 2 && pixelsPerRow > 2 && pixelsPerRow % 2 == 1) {
            pixelsPerRow--; // even: every matrix row fills whole text rows, so each can carry its label
        }
        int pixelRows = rowGroups * pixelsPerRow;
        int textRows = (pixelRows + sub - 1) / sub;

        List<String> shownRowLabels = new ArrayList<>();
        for (int k = 0; k < rowGroups; k++) {
            shownRowLabels.add(rowLabel(groupStart(k, rows, rowGroups), g));
        }
        int labelWidth = 1;
        for (String s : shownRowLabels) {
            labelWidth = Math.max(labelWidth, s.length());
        }
        int reserve = ColorBar.width(range[0], range[1], textRows, centre, Text.clean(centreName, g));

        PlotFrame probe = frame(width, height, style, title);
        int available = probe.availableColumns(labelWidth, -1, reserve);
        // Columns that are bins of a value range may pool unevenly to fill the width; labelled columns
        // (tokens) pool a whole number each, like rows.
        int columnGroups = Double.isNaN(xLo) || columnLabels != null ? evenGroups(columns, available)
                : Math.min(columns, available);
        int cellsPerColumn = columnGroups < columns ? 1 : Math.max(1, available / columns);
        int usedColumns = columnGroups * cellsPerColumn;

        String fullTitle = title;
        if (rowGroups < rows || columnGroups < columns) {
            String arrow = style.unicode() ? "\u2192" : "->";
            String note = "pooled " + (rowGroups < rows ? rows + arrow + rowGroups + " rows" : "")
                    + (rowGroups < rows && columnGroups < columns ? ", " : "")
                    + (columnGroups < columns ? columns + arrow + columnGroups + " cols" : "");
            fullTitle = title + (title.isEmpty() ? "" : " ") + "(" + note + ")";
        }
        PlotFrame frame = frame(width, height, style, fullTitle);
        frame.layout(labelWidth, -1, reserve, textRows, usedColumns);
        TextImage image = frame.newImage();

        double[][] pooled = pool(rows, rowGroups, columns, columnGroups);
        for (int t = 0; t < textRows; t++) {
            for (int c = 0; c < usedColumns; c++) {
                int group = c / cellsPerColumn;
                double upper = pixel(pooled, sub * t, pixelsPerRow, group, pixelRows);
                double lower = sub == 1 ? upper : pixel(pooled, 2 * t + 1, pixelsPerRow, group, pixelRows);
                drawCell(image, frame.plotLeft() + c, frame.plotTop() + t, upper, lower, range, style, cells);
            }
        }

        // One label per text row. When a text row holds two matrix rows, label the even-numbered one, so
        // layers read 0, 2, 4 ... whichever way up the matrix is drawn.
        List<PlotFrame.Tick> yTicks = new ArrayList<>();
        int[] labelled = new int[textRows];
        java.util.Arrays.fill(labelled, -1);
        for (int p = 0; p < rowGroups; p++) {
            int centre = p * pixelsPerRow + (pixelsPerRow - 1) / 2;
            int textRow = centre / sub;
            int group = originBottom ? rowGroups - 1 - p : p;
            if (labelled[textRow] < 0 || (labelled[textRow] % 2 != 0 && group % 2 == 0)) {
                labelled[textRow] = group;
            }
        }
        for (int t = 0; t < textRows; t++) {
            if (labelled[t] >= 0) {
                yTicks.add(new PlotFrame.Tick(t, shownRowLabels.get(labelled[t])));
            }
        }
        frame.draw(image, yTicks, xTicks(columns, columnGroups, cellsPerColumn, usedColumns, g),
                List.of());
        ColorBar.draw(image, frame.rightEdge(), frame.plotTop(), frame.plotRows(), cells, range[0], range[1],
                centre, centreName, style);
        return image;
    }

    /** The most rows or columns written out cell by cell; more go to the half-block drawing. */
    private static final int ANNOTATED_MAX = 24;

    /**
     * Whether each value is written in its cell: a small matrix (up to 24 x 24) whose columns are numbered, not
     * labelled (tokens) nor bins of a value range. On a terminal too small for it the cells are drawn unwritten.
     */
    public boolean annotated() {
        int columns = 0;
        for (double[] row : values) {
            columns = Math.max(columns, row.length);
        }
        return columnLabels == null && Double.isNaN(xLo) && values.length <= ANNOTATED_MAX && columns > 0
                && columns <= ANNOTATED_MAX;
    }

    /**
     * The matrix as a grid of cells, each {@code cellRows} high and wide enough for its value written in the
     * middle (black or white, whichever reads on the cell's colour; in mono the cell is shaded with the ramp around
     * the value): or null when it does not fit (then the half-block drawing takes over).
     */
    private TextImage renderAnnotated(int width, int height, RenderStyle style, double[] range, Colormap cells) {
        int rows = values.length;
        int columns = 0;
        for (double[] row : values) {
            columns = Math.max(columns, row.length);
        }
        String[][] texts = cellTexts();
        int textWidth = 1;
        for (String[] row : texts) {
            for (String t : row) {
                textWidth = Math.max(textWidth, t.length());
            }
        }
        Glyphs g = style.glyphs();
        int labelWidth = 1;
        for (int r = 0; r < rows; r++) {
            labelWidth = Math.max(labelWidth, rowLabel(r, g).length());
        }
        PlotFrame frame = frame(width, height, style, title).keepXLabel();
        // A text cell is about twice as high as it is wide: 3 rows by 7 columns is near square; 2 by 5 will do; on a
        // screen with no rows to spare, one row a layer still writes every value (a table rather than a strip).
        for (int cellRows = 3; cellRows >= 1; cellRows--) {
            int cellColumns = Math.max(textWidth + 2, 2 * cellRows + 1);
            int plotRows = rows * cellRows;
            int reserve = ColorBar.width(range[0], range[1], plotRows, centre, Text.clean(centreName, g));
            if (plotRows > frame.maxPlotRows() || columns * cellColumns > frame.availableColumns(labelWidth, -1, reserve)) {
                continue;
            }
            frame.layout(labelWidth, -1, reserve, plotRows, columns * cellColumns);
            TextImage image = frame.newImage();
            List<PlotFrame.Tick> yTicks = new ArrayList<>();
            for (int r = 0; r < rows; r++) {
                int band = originBottom ? rows - 1 - r : r;
                int top = frame.plotTop() + band * cellRows;
                yTicks.add(new PlotFrame.Tick(band * cellRows + (cellRows - 1) / 2, rowLabel(r, g)));
                for (int c = 0; c < columns; c++) {
                    double v = c < values[r].length ? values[r][c] : Double.NaN;
                    drawAnnotatedCell(image, frame.plotLeft() + c * cellColumns, top, cellColumns, cellRows,
                            masked(v) ? "" : texts[r][c], (v - range[0]) / (range[1] - range[0]), masked(v), style, cells);
                }
            }
            List<PlotFrame.Tick> xTicks = new ArrayList<>();
            for (int c = 0; c < columns; c++) {
                xTicks.add(new PlotFrame.Tick(c * cellColumns + (cellColumns - 1) / 2, Integer.toString(c)));
            }
            frame.draw(image, yTicks, xTicks, List.of());
            ColorBar.draw(image, frame.rightEdge(), frame.plotTop(), frame.plotRows(), cells, range[0], range[1],
                    centre, centreName, style);
            return image;
        }
        return null;
    }

    /**
     * The text written in each cell of an {@link #annotated()} grid (and of its figure): every value with one number
     * of decimals, as a table has, enough for three significant digits of the largest (0.214 and 0.017; 20.2 and
     * 0.3); exact zeros as 0.
     */
    public String[][] cellTexts() {
        double largest = 0;
        for (double[] row : values) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    largest = Math.max(largest, Math.abs(v));
                }
            }
        }
        int decimals = largest > 0 ? Math.max(0, Math.min(4, 2 - (int) Math.floor(Math.log10(largest)))) : 0;
        String[][] out = new String[values.length][];
        for (int r = 0; r < values.length; r++) {
            out[r] = new String[values[r].length];
            for (int c = 0; c < values[r].length; c++) {
                double v = values[r][c];
                String t = v == 0 ? "0" : Double.isFinite(v) ? String.format(java.util.Locale.ROOT, "%." + decimals + "f", v)
                        : v > 0 ? "inf" : "-inf";
                out[r][c] = t.matches("-0(\\.0*)?") ? t.substring(1) : t;
            }
        }
        return out;
    }

    private static void drawAnnotatedCell(TextImage image, int left, int top, int cellColumns, int cellRows, String text,
            double f, boolean isMasked, RenderStyle style, Colormap cells) {
        TextColor none = TextColor.ANSI.DEFAULT;
        boolean colour = style.mode().hasColormaps();
        TextColor bg = none;
        TextColor fg = none;
        if (colour && !isMasked) {
            int rgb = cells.rgb(f);
            bg = Draw.rgb(rgb);
            int shown = Contrast.shown(rgb, style.mode());
            fg = Draw.rgb(Contrast.ratio(shown, 0x000000) >= Contrast.ratio(shown, 0xFFFFFF) ? 0x000000 : 0xFFFFFF);
        }
        int textRow = top + (cellRows - 1) / 2;
        int textStart = left + (cellColumns - text.length() + 1) / 2;
        for (int y = top; y < top + cellRows; y++) {
            for (int x = left; x < left + cellColumns; x++) {
                boolean inText = y == textRow && x >= textStart - 1 && x <= textStart + text.length();
                char c = ' ';
                if (!colour && !isMasked && !inText) {
                    c = Ramp.glyph(f, style); // no colour map: the ramp shades the cell around its value
                }
                Draw.cell(image, x, y, c, fg, bg);
            }
        }
        for (int i = 0; i < text.length(); i++) {
            Draw.cell(image, textStart + i, textRow, text.charAt(i), fg, bg);
        }
    }

    private PlotFrame frame(int width, int height, RenderStyle style, String t) {
        return new PlotFrame(width, height, style, t, yLabel, colorLabel, xLabel, List.of());
    }

    private String rowLabel(int row, Glyphs g) {
        String label = rowLabels != null && row < rowLabels.length ? rowLabels[row] : Integer.toString(row);
        return Text.fit(Text.label(label, g), MAX_LABEL, g);
    }

    private List<PlotFrame.Tick> xTicks(int columns, int groups, int cellsPerColumn, int used, Glyphs g) {
        List<PlotFrame.Tick> ticks = new ArrayList<>();
        if (columnLabels == null && !Double.isNaN(xLo)) {
            return new Scale(xLo, xHi, false).xTicks(used);
        }
        if (columnLabels != null) {
            int room = Math.max(4, Math.min(MAX_LABEL, cellsPerColumn - 1));
            for (int k = 0; k < groups; k++) {
                int column = groupStart(k, columns, groups);
                String label = column < columnLabels.length ? columnLabels[column] : Integer.toString(column);
                ticks.add(new PlotFrame.Tick(k * cellsPerColumn + (cellsPerColumn - 1) / 2,
                        Text.fit(Text.label(label, g), room, g)));
            }
            return ticks;
        }
        // No labels: column indices at nice integer steps.
        double step = Math.max(1, Ticks.niceStep(0, columns - 1, Math.max(1, used / 6)));
        for (double v = 0; v <= columns - 1; v += step) {
            int group = groupOf((int) v, columns, groups);
            ticks.add(new PlotFrame.Tick(group * cellsPerColumn + (cellsPerColumn - 1) / 2,
                    Integer.toString((int) v)));
        }
        return ticks;
    }

    /** The colour range: fixed, or the finite data's min and max. */
    private double[] range() {
        if (!Double.isNaN(lo)) {
            return new double[] {lo, hi};
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] row : values) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (!(max >= min)) {
            return Double.isNaN(centre) ? new double[] {0, 1} : new double[] {centre - 1, centre + 1};
        }
        if (!Double.isNaN(centre)) {
            double reach = Math.max(Math.abs(max - centre), Math.abs(min - centre));
            reach = reach > 0 ? reach : 1;
            return new double[] {centre - reach, centre + reach};
        }
        return max > min ? new double[] {min, max} : new double[] {min - 0.5, max + 0.5};
    }

    /** How many groups of a whole number of items each (the last may be short) fit {@code n} items in {@code room}. */
    static int evenGroups(int n, int room) {
        if (n <= room) {
            return n;
        }
        int perGroup = (n + room - 1) / room;
        return (n + perGroup - 1) / perGroup;
    }

    /** The first of the {@code n} items that fall in group {@code k} of {@code groups}. */
    static int groupStart(int k, int n, int groups) {
        return (int) ((long) k * n / groups);
    }

    /** The group of {@code groups} that item {@code i} of {@code n} falls in. */
    static int groupOf(int i, int n, int groups) {
        return (int) (((long) (i + 1) * groups - 1) / n); // the last k with groupStart(k) <= i
    }

    /** Block means of the finite, unmasked values; NaN where a block is all masked. */
    private double[][] pool(int rows, int rowGroups, int columns, int columnGroups) {
        double[][] out = new double[rowGroups][columnGroups];
        for (int r = 0; r < rowGroups; r++) {
            for (int c = 0; c < columnGroups; c++) {
                double sum = 0;
                int n = 0;
                for (int i = groupStart(r, rows, rowGroups); i < groupStart(r + 1, rows, rowGroups); i++) {
                    int end = Math.min(values[i].length, groupStart(c + 1, columns, columnGroups));
                    for (int j = groupStart(c, columns, columnGroups); j < end; j++) {
                        double v = values[i][j];
                        if (!masked(v)) {
                            sum += v == Double.POSITIVE_INFINITY ? Double.MAX_VALUE : v;
                            n++;
                        }
                    }
                }
                out[r][c] = n == 0 ? Double.NaN : sum / n;
            }
        }
        return out;
    }

    /** The value at displayed pixel row {@code py}, or NaN when masked or below the last pixel row. */
    private double pixel(double[][] pooled, int py, int pixelsPerRow, int column, int pixelRows) {
        if (py >= pixelRows) {
            return Double.NaN;
        }
        int band = py / pixelsPerRow;
        int row = originBottom ? pooled.length - 1 - band : band;
        return pooled[row][column];
    }

    private void drawCell(TextImage image, int x, int y, double upper, double lower, double[] range,
            RenderStyle style, Colormap colormap) {
        boolean hasUpper = !Double.isNaN(upper);
        boolean hasLower = !Double.isNaN(lower);
        double fu = (upper - range[0]) / (range[1] - range[0]);
        double fl = (lower - range[0]) / (range[1] - range[0]);
        TextColor none = TextColor.ANSI.DEFAULT;
        if (!style.mode().hasColormaps()) {
            char c = !hasUpper && !hasLower ? ' '
                    : Ramp.glyph(hasUpper && hasLower ? (fu + fl) / 2 : hasUpper ? fu : fl, style);
            Draw.cell(image, x, y, c, none, none);
        } else if (!style.unicode()) {
            // No half blocks in ASCII: one colour per cell, the background, from both halves' mean.
            boolean any = hasUpper || hasLower;
            double f = hasUpper && hasLower ? (fu + fl) / 2 : hasUpper ? fu : fl;
            Draw.cell(image, x, y, ' ', none, any ? Draw.rgb(colormap.rgb(f)) : none);
        } else if (hasUpper && hasLower) {
            Draw.cell(image, x, y, style.glyphs().halfBlock(), Draw.rgb(colormap.rgb(fl)), Draw.rgb(colormap.rgb(fu)));
        } else if (hasUpper) {
            Draw.cell(image, x, y, style.glyphs().upperHalf(), Draw.rgb(colormap.rgb(fu)), none);
        } else if (hasLower) {
            Draw.cell(image, x, y, style.glyphs().halfBlock(), Draw.rgb(colormap.rgb(fl)), none);
        } else {
            Draw.cell(image, x, y, ' ', none, none);
        }
    }
}
