package jlens.chart;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.BasicTextImage;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Charts side by side in equal columns under a shared title, such as the Q, K and V heatmaps of demo 1.
 *
 * <pre>{@code
 * new SmallMultiples("density by layer").add(qHeatmap).add(kHeatmap).add(vHeatmap)
 * }</pre>
 */
public final class SmallMultiples implements Chart {
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

    @Override
    public TextImage render(int width, int height, RenderStyle style) {
        if (charts.isEmpty()) {
            throw new IllegalStateException("small multiples need at least one chart");
        }
        int n = charts.size();
        int titleRows = title.isEmpty() ? 0 : 1;
        int each = (width - GAP * (n - 1)) / n;
        List<TextImage> parts = new ArrayList<>();
        int rows = 0;
        for (int i = 0; i < n; i++) {
            // The last panel takes the columns left over by the division, so the total is exactly width.
            int w = i == n - 1 ? width - (each + GAP) * (n - 1) : each;
            TextImage part = charts.get(i).render(w, height - titleRows, style);
            parts.add(part);
            rows = Math.max(rows, part.getSize().getRows());
        }
        TextImage image = new BasicTextImage(new TerminalSize(width, rows + titleRows));
        if (titleRows > 0) {
            String t = Text.fit(Text.clean(title, style.glyphs()), width, style.glyphs());
            Draw.boldText(image, Math.max(0, (width - t.length()) / 2), 0, t, com.googlecode.lanterna.TextColor.ANSI.DEFAULT);
        }
        int x = 0;
        for (TextImage part : parts) {
            part.copyTo(image, 0, part.getSize().getRows(), 0, part.getSize().getColumns(), titleRows, x);
            x += part.getSize().getColumns() + GAP;
        }
        return image;
    }
}
