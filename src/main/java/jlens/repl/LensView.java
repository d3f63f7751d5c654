package jlens.repl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import jlens.analysis.LogitLensResult;
import jlens.chart.LinePlot;

/**
 * How the logit lens reads in the terminal: the target's log-prob and rank per layer, the top token of every layer at
 * the positions that fit the screen, and the chart. The {@code lens} command renders through it, and so can JShell:
 * {@code LensView.show(session, ws.lens(-2, -1, 0, ws.ids().length - 1), null)}.
 */
public final class LensView {
    private LensView() {}

    /** Prints the per-layer table, the top tokens by layer and the chart of {@code r}, kept for {@code save}. */
    public static void show(Session s, LogitLensResult r, String token) {
        boolean topFits = true;
        String[] pieces = s.workspace().model().tokenizer().pieces(new long[] {r.target()});
        String name = Format.visible(pieces[0]);
        s.println("logit lens at position " + r.position() + " (" + Format.visible(s.workspace().tokenPieces()[r.position()]) + "), token '" + name
                + "' (id " + r.target() + "): each layer's residual stream through the final LayerNorm and the unembedding");
        TextTable table = new TextTable("row", "residual", "logprob", "rank", "top token", "top logprob");
        long[] topIds = new long[r.rowCount()];
        for (int i = 0; i < topIds.length; i++) {
            topIds[i] = r.top1Id()[i];
        }
        String[] topPieces = s.workspace().model().tokenizer().pieces(topIds);
        for (int i = 0; i < r.rowCount(); i++) {
            table.row(i, i < r.rowCount() - 1 ? "resid_pre " + i : "final", r.logprobTarget()[i], r.rankTarget()[i],
                    Format.visible(topPieces[i]), r.top1Logprob()[i]);
        }
        // The per-layer table repeats the chart's two lines (and the top token at this position, in the table
        // below); on a short screen it gives way, so the command line, the top tokens and the chart stay in view.
        // On a screen too short for all of it, the tables give way before the chart does: the per-layer table first
        // (the chart draws its two columns), then the top tokens, in one line saying where their numbers are.
        String check = "check: the last row equals the model's own log-probs (max |diff| "
                + Format.num(r.finalRowMaxAbsDiff()) + ")";
        TopTokens top = topTokenTable(s, r);
        String text = table.toString();
        int tableLines = (int) text.lines().count();
        int topLines = s.printedLines(top.heading()) + (int) top.table().lines().count();
        String perLayerLeftOut = "(the per-layer table is left out to keep the chart on screen; 'save lens.csv' writes it)";
        String bothLeftOut = "(the per-layer table and the top tokens by layer are left out to keep the chart on screen;"
                + " 'save lens.csv' and 'save lens.json' write them)";
        int chart = Console.MIN_HEIGHT + 4;
        int checkLines = s.printedLines(check);
        if (s.fits(1, chart, tableLines + checkLines + topLines)) {
            s.out().print(text);
        } else {
            topFits = s.fits(1, chart, s.printedLines(perLayerLeftOut) + checkLines + topLines);
            s.println(topFits ? perLayerLeftOut : bothLeftOut);
        }
        s.println(check);
        if (topFits) {
            s.println(top.heading());
            s.out().print(top.table());
        }
        double[] rows = IntStream.range(0, r.rowCount()).asDoubleStream().toArray();
        double[] ranks = IntStream.of(r.rankTarget()).asDoubleStream().toArray();
        LinePlot plot = new LinePlot("logit lens: '" + name + "' at position " + r.position() + " by layer (last point: the model's output)")
                .xLabel("layer (resid_pre; last: final)").yLabel("log-prob").rightLabel("rank").markers(true)
                .add(new LinePlot.Series("log-prob", rows, r.logprobTarget()))
                .add(new LinePlot.Series("rank", rows, ranks).onRightAxis());
        s.draw(plot, null);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("position", r.position());
        params.put("target", r.target());
        s.lastResult(Result.of("lens", "lens " + r.position() + (token == null ? "" : " " + Words.quote(token)), params, r));
    }


    private static final int LENS_CELL = 9;

    /** Positions the top-token table shows side by side at the screen's width. */
    static int tableColumns(Session s) {
        return Math.max(1, (s.chartWidth() - 12) / (LENS_CELL + 2));
    }

    /** The lens's top-token table as printed: a line of prose and the table under it. */
    private record TopTokens(String heading, String table) {}

    /** The top token of every row at the last positions that fit the screen, the read-out position among them. */
    private static TopTokens topTokenTable(Session s, LogitLensResult r) {
        int t = r.top1IdTable()[0].length;
        int cell = LENS_CELL;
        int fit = tableColumns(s);
        int last = Math.min(r.tableTo(), Math.max(r.position(), r.tableFrom() + fit - 1));
        int first = Math.max(r.tableFrom(), last - fit + 1);
        String[] header = new String[last - first + 2];
        header[0] = "row";
        String[] textPieces = s.workspace().tokenPieces();
        for (int p = first; p <= last; p++) {
            header[p - first + 1] = p + " " + Format.visible(textPieces[p]);
        }
        TextTable table = new TextTable(clip(header, cell + 3));
        for (int row = 0; row < r.rowCount(); row++) {
            long[] ids = new long[last - first + 1];
            for (int p = first; p <= last; p++) {
                ids[p - first] = r.top1IdTable()[row][p];
            }
            String[] pieces = s.workspace().model().tokenizer().pieces(ids);
            Object[] cells = new Object[ids.length + 1];
            cells[0] = row < r.rowCount() - 1 ? "L" + row : "final";
            for (int i = 0; i < ids.length; i++) {
                cells[i + 1] = clip(Format.visible(pieces[i]), cell);
            }
            table.row(cells);
        }
        String heading = "top token by layer at positions " + first + ".." + last + " of 0.." + (t - 1) + "; " + (r.tableComplete()
                ? "'save lens.json' has every position" : "'lens ... --all' computes every position for 'save lens.json'");
        return new TopTokens(heading, table.toString());
    }

    private static String[] clip(String[] words, int width) {
        String[] out = new String[words.length];
        for (int i = 0; i < words.length; i++) {
            out[i] = clip(words[i], width);
        }
        return out;
    }

    private static String clip(String word, int width) {
        return word.codePointCount(0, word.length()) <= width ? word
                : word.substring(0, word.offsetByCodePoints(0, width - 1)) + "\u2026";
    }
}
