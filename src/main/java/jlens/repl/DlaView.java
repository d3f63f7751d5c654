package jlens.repl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.analysis.DirectLogitAttributionTerm;
import jlens.chart.Heatmap;

/**
 * How direct logit attribution reads in the terminal: the largest components, the conservation check and the layer x
 * head heatmap. The {@code dla} command renders through it, and so can JShell:
 * {@code DlaView.show(session, ws.dla(-2, -1, -1), "the real next token", List.of())}.
 */
public final class DlaView {
    private DlaView() {}

    /**
     * Prints and draws {@code r}, kept for {@code save}.
     *
     * @param what the logit attributed, for a reader ({@code logit['·Mary']})
     * @param words the command's token words after the position, for the saved command line
     */
    public static void show(Session s, DirectLogitAttributionResult r, String what, List<String> words) {
        s.println("direct logit attribution at position " + r.position() + " toward " + what + "; final LayerNorm scale "
                + Format.num(r.lnScale()));
        double[][] grid = r.perHead();
        int height = Math.max(s.settings().height(), grid.length / 2 + 8);
        String check = "check: components + constant " + Format.num(r.constant()) + " = " + Format.num(r.total()) + " = the model's "
                + (r.isDifference() ? "logit difference " : "logit ") + Format.num(r.logit()) + " (|diff| "
                + Format.num(Math.abs(r.total() - r.logit())) + ")";
        // Ten components, or as many (at least three) as leave the command line on a short screen: the heatmap
        // shows the heads, not the embeddings and MLPs this list names.
        String fewer = " (as many as fit the screen; 'save X.csv' writes every one)";
        int room = s.linesLeft(height, s.printedLines(check)) - 1 - s.printedLines("the 10 largest of " + r.terms().size() + " components" + fewer + ":");
        int shown = Math.min(r.terms().size(), Math.max(3, Math.min(10, room)));
        TextTable table = new TextTable("component", "contribution");
        for (DirectLogitAttributionTerm x : r.top(shown)) {
            table.row(x.name(), x.value());
        }
        s.println("the " + shown + " largest of " + r.terms().size() + " components" + (shown < Math.min(10, r.terms().size()) ? fewer : "") + ":");
        s.out().print(table);
        s.println(check);
        String[] rows = IntStream.range(0, grid.length).mapToObj(Integer::toString).toArray(String[]::new);
        Heatmap map = new Heatmap(grid).title("direct logit attribution per head toward " + what).rowLabels(rows)
                .xLabel("head").yLabel("layer").colorLabel("logit").originBottom(true);
        s.draw(map.diverging(0, "no effect"), null, height);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("position", r.position());
        params.put("answer", r.answer());
        params.put("wrong", r.wrong());
        s.lastResult(Result.of("dla", "dla " + r.position() + (words.isEmpty() ? "" : " " + String.join(" ", words.stream().map(w -> w.equals("-") ? w : Words.quote(w)).toList())), params, r));
    }
}
