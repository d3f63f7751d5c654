package jlens.chart;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.BasicTextImage;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Charts side by side in equal columns under a shared title, such as the Q, K and V heatmaps of demo 1.
 * When the width leaves a panel fewer than {@value #MIN_PANEL_WIDTH} columns and the height allows, the
 * panels wrap onto further rows (a grid) rather than shrink into unreadable slivers.
 *
 * <pre>{@code
 * new SmallMultiples("density by layer").add(qHeatmap).add(kHeatmap).add(vHeatmap)
 * }</pre>
 */
public final class SmallMultiples implements Chart {
    static final int MIN_PANEL_WIDTH = 30;
    private static final int MIN_PANEL_HEIGHT = 10;
    private static final int GAP = 2;

    private final String title;
    private final List<Chart> charts = new ArrayList<>();

    public SmallMultiples(String title) {
        this.title = title == null ? "" : title;
    }

    public SmallMultiples add(Chart chart) {
        charts.add(Objects.requireNonNull(chart));
        return this;
    }

    /** The shared title. */
    public String title() {
        return title;
    }

    /** The panels, in order. */
    public List<Chart> charts() {
        return List.copyOf(charts);
    }

    @Override
    public TextImage render(int width, int height, RenderStyle style) {
        if (charts.isEmpty()) {
            throw new IllegalStateException("small multiples need at least one chart");
        }
        int n = charts.size();
        int titleRows = title.isEmpty() ? 0 : 1;
        int perRow = Math.max(1, Math.min(n, (width + GAP) / (MIN_PANEL_WIDTH + GAP)));
        int gridRows = (n + perRow - 1) / perRow;
        if ((height - titleRows) / gridRows < MIN_PANEL_HEIGHT) {
            perRow = n; // no room to stack: keep one row of narrow panels
            gridRows = 1;
        }
        int panelHeight = (height - titleRows) / gridRows;
        int each = (width - GAP * (perRow - 1)) / perRow;

        List<List<TextImage>> rows = new ArrayList<>();
        int totalRows = titleRows;
        for (int r = 0; r < gridRows; r++) {
            List<TextImage> row = new ArrayList<>();
            int rowHeight = 0;
            for (int i = r * perRow; i < Math.min(n, (r + 1) * perRow); i++) {
                int column = i - r * perRow;
                // The last panel of a row takes what the division leaves, so a full row is exactly width wide.
                int w = column == perRow - 1 ? width - (each + GAP) * (perRow - 1) : each;
                TextImage part = charts.get(i).render(w, panelHeight, style);
                row.add(part);
                rowHeight = Math.max(rowHeight, part.getSize().getRows());
            }
            rows.add(row);
            totalRows += rowHeight;
        }
        TextImage image = new BasicTextImage(new TerminalSize(width, totalRows));
        if (titleRows > 0) {
            String t = Text.fit(Text.clean(title, style.glyphs()), width, style.glyphs());
            Draw.boldText(image, Math.max(0, (width - t.length()) / 2), 0, t, TextColor.ANSI.DEFAULT);
        }
        int y = titleRows;
        for (List<TextImage> row : rows) {
            int x = 0;
            int rowHeight = 0;
            for (TextImage part : row) {
                part.copyTo(image, 0, part.getSize().getRows(), 0, part.getSize().getColumns(), y, x);
                x += part.getSize().getColumns() + GAP;
                rowHeight = Math.max(rowHeight, part.getSize().getRows());
            }
            y += rowHeight;
        }
        return image;
    }
}
