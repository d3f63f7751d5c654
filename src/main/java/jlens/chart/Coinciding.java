package jlens.chart;

import java.util.ArrayList;
import java.util.List;

/**
 * Which series of a chart lie on top of each other, said in words for its title ("Q and K coincide, drawn in
 * turn"): judged on the values as drawn, pixel rows of the braille grid, not on shared cells (curves that only
 * share a histogram's zero line do not coincide).
 */
final class Coinciding {
    /** Pixel rows (a quarter of a text row) within which two drawn values count as the same. */
    static final int PIXELS = 2;

    private Coinciding() {}

    /**
     * The note for series whose drawn values agree: {@code rows[i][k]} is series i's pixel row at place k (a point
     * or a pixel column), or -1 where it has none. Two series coincide where nine in ten of the places either has
     * a value at (both have one, within {@link #PIXELS}); {@code skip[k]} marks places that do not count (a
     * histogram's empty bins, where every curve lies on the axis). "" when none coincide.
     */
    static String note(List<String> names, int[][] rows, boolean[] skip) {
        int n = rows.length;
        int[] group = new int[n];
        for (int i = 0; i < n; i++) {
            group[i] = i;
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (agree(rows[i], rows[j], skip)) {
                    int from = group[j];
                    for (int k = 0; k < n; k++) {
                        if (group[k] == from) {
                            group[k] = group[i];
                        }
                    }
                }
            }
        }
        List<String> parts = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            List<String> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (group[i] == g && i < names.size()) {
                    members.add(names.get(i));
                }
            }
            if (members.size() > 1) {
                parts.add(String.join(", ", members.subList(0, members.size() - 1)) + " and " + members.get(members.size() - 1));
            }
        }
        return parts.isEmpty() ? "" : String.join("; ", parts) + " coincide, drawn in turn";
    }

    private static boolean agree(int[] a, int[] b, boolean[] skip) {
        int places = 0;
        int same = 0;
        for (int k = 0; k < Math.min(a.length, b.length); k++) {
            if ((a[k] < 0 && b[k] < 0) || (skip != null && k < skip.length && skip[k])) {
                continue;
            }
            places++;
            if (a[k] >= 0 && b[k] >= 0 && Math.abs(a[k] - b[k]) <= PIXELS) {
                same++;
            }
        }
        return places > 0 && same >= 0.9 * places;
    }
}
