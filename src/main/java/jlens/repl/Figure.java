package jlens.repl;

import java.util.List;
import java.util.function.IntFunction;
import jlens.chart.Chart;

/**
 * A chart the viewer can draw again at any size, with pages it steps through (layers or heads).
 *
 * @param titles one title per page
 * @param start  the page shown first
 * @param pages  page i's chart
 */
public record Figure(List<String> titles, int start, IntFunction<Chart> pages) {
    public static Figure single(Chart chart) {
        return new Figure(List.of(""), 0, i -> chart);
    }
}
