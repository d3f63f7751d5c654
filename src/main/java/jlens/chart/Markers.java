package jlens.chart;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Series markers (a line plot's points, a histogram's peaks), drawn so none hides another: markers of several
 * series that fall in one cell sit side by side in series order, centred on it, instead of the last covering
 * the rest (Q's marker under K's when their values agree).
 */
final class Markers {
    private record Mark(int series, int column, int row) {}

    private final List<Mark> marks = new ArrayList<>();

    /** A marker of {@code series} at a plot cell. */
    void add(int series, int column, int row) {
        marks.add(new Mark(series, column, row));
    }

    /**
     * Draws the markers into the plot area at (left, top), {@code columns} wide.
     *
     * @param colour the marker colour of a series
     */
    void draw(TextImage image, int left, int top, int columns, Glyphs glyphs, IntFunction<TextColor> colour) {
        Map<Long, List<Mark>> byCell = new LinkedHashMap<>();
        for (Mark m : marks) {
            byCell.computeIfAbsent(((long) m.row() << 32) | (m.column() & 0xffffffffL), k -> new ArrayList<>()).add(m);
        }
        for (List<Mark> cell : byCell.values()) {
            List<Mark> shared = cell.stream().sorted(java.util.Comparator.comparingInt(Mark::series)).distinct().toList();
            int k = shared.size();
            int start = Math.max(0, Math.min(shared.get(0).column() - (k - 1) / 2, columns - k));
            for (int i = 0; i < k; i++) {
                Mark m = shared.get(i);
                Draw.cell(image, left + start + i, top + m.row(), glyphs.marker(m.series()), colour.apply(m.series()),
                        TextColor.ANSI.DEFAULT);
            }
        }
    }
}
