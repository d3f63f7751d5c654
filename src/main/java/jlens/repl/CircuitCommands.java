package jlens.repl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.analysis.DirectLogitAttributionTerm;
import jlens.analysis.LogitLensResult;
import jlens.analysis.Metric;
import jlens.analysis.MetricKind;
import jlens.chart.Chart;
import jlens.chart.Heatmap;
import jlens.chart.LinePlot;
import jlens.chart.SmallMultiples;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchMethod;
import jlens.intervene.SweepOptions;
import jlens.intervene.PatchResult;
import jlens.workspace.Workspace;
import jlens.intervene.PatchSpec;

/**
 * The circuit tools: {@code corrupt} and {@code metric} set up activation patching, {@code patch} runs it,
 * {@code lens} is the logit lens, {@code dla} direct logit attribution. Each parses, calls the workspace, renders.
 */
final class CircuitCommands {
    private CircuitCommands() {}

    private static final List<String> PATCH_SITES = List.of("resid_pre", "attn_out", "mlp_out", "heads");

    static List<Command> all() {
        return List.of(
                new Command("corrupt", "corrupt \"...\"", "set the corrupted text that patching runs (as many tokens as the text)",
                        """
                        Sets the corrupted prompt beside the text: 'patch' runs it and patches the text's (clean)
                        activations into it, one at a time. It must have as many tokens as the text. Without an
                        argument, shows it and where it differs from the text.
                        Examples:
                          text "After John and Mary went to the store, John gave a bottle of milk to"
                          corrupt "After John and Mary went to the store, Mary gave a bottle of milk to"
                          corrupt""",
                        Command.ArgCompleter.NONE,
                        CircuitCommands::corrupt),
                new Command("metric", "metric logitdiff A B [pos P] | metric logprob TOKEN [pos P]",
                        "what patching measures: a logit difference or a token's log-prob",
                        """
                        The number 'patch' reads from the logits at position P (default -1, the last: the
                        prediction of the token after the text). logitdiff A B is logit[A] - logit[B]; logprob
                        TOKEN is the log-probability of TOKEN. Each token must be one GPT-2 token, usually with
                        its leading space. Without arguments, shows the metric.
                        Examples:
                          metric logitdiff " Mary" " John"
                          metric logprob " Mary" pos -1
                          metric""",
                        (s, before) -> before.isEmpty() ? List.of("logitdiff", "logprob")
                                : before.get(before.size() - 1).equals("pos") ? Completions.positions(s)
                                : List.of("pos"),
                        CircuitCommands::metric),
                new Command("patch", "patch resid_pre|attn_out|mlp_out|heads [pos] [--approx | set]",
                        "activation patching: each clean activation into the corrupted run, the metric normalised",
                        """
                        Runs the corrupted text once per cell with one activation replaced by the text's (clean)
                        one, and shows (m - m_corrupt) / (m_clean - m_corrupt): 1 where the patch restores the
                        clean metric, 0 where it changes nothing. resid_pre, attn_out and mlp_out patch one layer
                        at one position (layer x position); heads patches one head's hook_z at every position
                        (layer x head); heads pos one head at one position (layer.head x position).
                        Exact and fast: a cell recomputes only the layers and positions it can change, cells are
                        batched, and cells whose clean and corrupted values are identical are not run at all.
                        --approx estimates every cell from one backward pass (attribution patching); when the
                        exact grid of the same patch is the last result, it shows both and their correlation.
                        Needs 'corrupt' and 'metric'. Shows progress; Ctrl-C cancels.
                        save X.npy writes the normalised grid ([L, T], [L, H] or [L, H, T]); .json also m_clean,
                        m_corrupt and the raw metric per cell; .csv one row per cell.
                        Ending with 'set' patches every prompt of the prompt set ('prompts') into its own
                        corrupted prompt (each line needs "corrupt"; 'prompts ioi N' has it) and shows the mean
                        over prompts of each cell's metric, normalised with the set's mean m_clean and m_corrupt.
                        Each prompt's metric is its logit[answer] - logit[wrong] at its last token, or the
                        session's 'metric' for prompts without answer and wrong. resid_pre, attn_out, mlp_out and
                        heads pos need prompts of one token count; heads takes mixed lengths. save X.csv then
                        writes each prompt's m_clean and m_corrupt; .npy the mean normalised grid; .json both.
                        Examples:
                          patch resid_pre
                          patch heads
                          patch heads pos
                          patch resid_pre --approx
                          save patch.npy
                          patch heads set""",
                        (s, before) -> before.isEmpty() ? PATCH_SITES
                                : before.contains("set") || before.contains("--approx") ? List.of()
                                : before.size() == 1 && before.get(0).equals("heads") ? List.of("pos", "set", "--approx")
                                : List.of("set", "--approx"),
                        CircuitCommands::patch),
                new Command("lens", "lens [POS] [TOKEN] [--all]", "logit lens: each layer's residual stream read out as the prediction",
                        """
                        The residual stream entering every layer, and the final one, each through the full final
                        LayerNorm (with its own statistics) and the unembedding: TOKEN's log-prob and rank at
                        position POS per layer (default: position -2 and the real next token), and the top token
                        of every layer at the positions up to POS that fit the screen (--all: at every position;
                        each position costs L+1 unembeddings). The last row is the model's own prediction.
                        save lens.npy writes the [L+1] log-probs; .csv the per-layer table; .json everything.
                        Examples:
                          lens
                          lens -1 " Paris"
                          lens --all
                          save lens.npy""",
                        (s, before) -> before.isEmpty() ? HookCommands.concat(Completions.positions(s), List.of("--all")) : List.of("--all"),
                        CircuitCommands::lens),
                new Command("dla", "dla [POS] [TOKEN | A - B]",
                        "direct logit attribution: what each head, MLP and embedding writes toward a logit",
                        """
                        Splits the final residual stream at POS (default -2) into the embeddings, each head's
                        output, each attention output bias and each MLP's output, passes each through the final
                        LayerNorm linearly (with the whole residual's scale) and takes its dot product with the
                        unembedding of TOKEN (default: the real next token) or of A minus B (a logit difference).
                        Shows a layer x head heatmap and the largest components; with the constant
                        ln_f.bias . W_U they add up to the logit.
                        save dla.npy writes the [L, H] per-head values; .csv every component.
                        Examples:
                          dla
                          dla -1 " Mary" - " John"
                          save dla.npy""",
                        (s, before) -> before.isEmpty() ? Completions.positions(s) : List.of(),
                        CircuitCommands::dla));
    }

    private static Workspace ws(Session s) {
        return s.workspace();
    }

    // ---- corrupt, metric ----

    private static void corrupt(Session s, Args a) {
        if (a.hasNext()) {
            String text = String.join(" ", a.rest());
            Session.user(() -> {
                ws(s).corrupt(text);
                return null;
            });
        } else if (ws(s).corruptText() == null) {
            throw new UserError("no corrupted text yet; give one with corrupt \"...\" (as many tokens as the text)");
        }
        long[] corrupt = Session.user(ws(s)::corruptIds);
        s.println("corrupt " + Words.quote(ws(s).corruptText()));
        StringBuilder line = new StringBuilder(corrupt.length + " tokens");
        if (ws(s).hasText()) {
            long[] clean = s.ids();
            if (clean.length != corrupt.length) {
                line.append(", but the text has ").append(clean.length).append(": give texts of the same length before 'patch'");
            } else {
                String[] cleanPieces = s.tokenPieces();
                String[] pieces = s.model().tokenizer().pieces(corrupt);
                List<String> diff = new ArrayList<>();
                for (int i = 0; i < corrupt.length; i++) {
                    if (corrupt[i] != clean[i]) {
                        diff.add(i + " " + Format.visible(cleanPieces[i]) + " -> " + Format.visible(pieces[i]));
                    }
                }
                line.append(" as the text; ").append(diff.isEmpty() ? "identical to it (patching then changes nothing)"
                        : "differs at position" + (diff.size() == 1 ? " " : "s ") + String.join(", ", diff));
            }
        }
        s.println(line.toString());
    }

    private static void metric(Session s, Args a) {
        if (!a.hasNext()) {
            s.println("metric " + describe(s, Session.user(ws(s)::metric)));
            return;
        }
        String word = a.next("logitdiff or logprob");
        MetricKind kind;
        try {
            kind = MetricKind.parse(word);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        String first = a.next(kind == MetricKind.LOGIT_DIFF ? "the answer token A" : "a token");
        String second = kind == MetricKind.LOGIT_DIFF ? a.next("the other token B") : null;
        int pos = -1;
        if (a.accept("pos")) {
            pos = (int) Args.parseLong(a.next("a position"), "the position", a.usage());
        }
        a.end();
        int p = pos;
        Metric m = Session.user(() -> kind == MetricKind.LOGIT_DIFF ? ws(s).metricLogitDiff(first, second, p)
                : ws(s).metricLogprob(first, p));
        s.println("metric " + describe(s, m));
    }

    private static String describe(Session s, Metric m) {
        return s.hasText() ? m.describe(s.model().tokenizer(), s.ids().length) : m.toString();
    }

    // ---- patch ----

    private static void patch(Session s, Args a) {
        boolean approx = a.flag("--approx");
        String site = a.next("resid_pre, attn_out, mlp_out or heads");
        if (site.equals("heads") && a.accept("pos")) {
            site = "heads pos";
        }
        boolean overSet = a.accept("set");
        a.end();
        PatchKind kind;
        try {
            kind = PatchKind.parse(site);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (overSet) {
            if (approx) {
                throw new UserError("--approx estimates one pair, not a set; use 'patch " + kind.word() + " set' (exact) or 'patch "
                        + kind.word() + " --approx' on the text");
            }
            PromptCommands.patch(s, kind);
            return;
        }
        Workspace ws = ws(s);
        var spec = Session.user(() -> ws.patchSpec(kind));
        PatchResult exact = ws.lastResult() instanceof PatchResult r && r.method() != PatchMethod.APPROX
                && sameExperiment(r, spec) ? r : null;
        int cells = spec.cells(s.config()).size();
        s.println((approx ? "estimating (attribution patching) " : "patching ") + kind.word() + ": the text's activations into the corrupted run, "
                + cells + " cells; metric " + describe(s, spec.metric()) + (approx ? "" : " (Ctrl-C cancels)"));
        ProgressMeter progress = new ProgressMeter(s, "patch");
        PatchResult r;
        try {
            SweepOptions options = SweepOptions.patching().withProgress(progress).withCancel(s::cancelRequested);
            r = Session.user(() -> approx ? ws.patchApprox(kind, options) : ws.patch(kind, options));
        } finally {
            progress.done();
        }
        s.println("m_clean " + Format.num(r.mClean()) + ", m_corrupt " + Format.num(r.mCorrupt()) + " (m_clean - m_corrupt "
                + Format.num(r.mClean() - r.mCorrupt()) + ")"
                + (approx ? "; estimated from one backward pass" : "; " + r.computed() + " of " + cells
                        + " cells run, the others equal the corrupted run exactly") + ", " + Format.num(r.seconds()) + " s");
        boolean undefined = PatchResult.sameMetric(r.mClean(), r.mCorrupt());
        if (undefined) {
            s.println("the two texts give the same metric: the normalised values are not defined (NaN), so there is no grid to draw;"
                    + " the raw metric of every cell is in 'save X.json'");
        }
        int height = Math.max(s.settings().height(), r.shape()[0] * (kind == PatchKind.HEADS_POS ? r.shape()[1] : 1) / 2 + 8);
        String check = approx ? null : "check: patching the text into itself gives m_clean in every cell (max |m - m_clean| "
                + Format.num(Session.user(() -> ws.patchSelfCheck(kind))) + ")";
        if (!undefined) {
            topCells(s, Grid.of(r, s.tokenPieces()), height, check == null ? 1 : s.printedLines(check), "'save X.csv' writes every cell");
        }
        if (check != null) {
            s.println(check);
        }
        String title = (approx ? "estimated " : "") + "patched " + kind.word() + ": (m - m_corrupt) / (m_clean - m_corrupt)";
        Chart chart = patchChart(s, r, title);
        if (approx && exact != null) {
            s.println("correlation with the exact grid (the last result): " + Format.num(r.correlation(exact)));
            chart = new SmallMultiples("exact and estimated " + kind.word()).add(patchChart(s, exact, "exact"))
                    .add(patchChart(s, r, "estimated (attribution patching)"));
        } else if (approx) {
            s.println("'patch " + kind.word() + "' computes the exact grid; 'patch " + kind.word()
                    + " --approx' right after it shows both and their correlation");
        }
        s.drawUnless(undefined, chart, height);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("site", kind.word());
        params.put("method", r.method().name().toLowerCase(java.util.Locale.ROOT));
        params.put("metric", describe(s, spec.metric()));
        params.put("m_clean", r.mClean());
        params.put("m_corrupt", r.mCorrupt());
        s.lastResult(Result.of("patch", "patch " + kind.word() + (approx ? " --approx" : ""), params, r));
    }

    private static boolean sameExperiment(PatchResult r, jlens.intervene.PatchSpec spec) {
        return r.spec().kind() == spec.kind() && r.spec().metric().equals(spec.metric())
                && java.util.Arrays.equals(r.spec().clean(), spec.clean()) && java.util.Arrays.equals(r.spec().corrupt(), spec.corrupt());
    }

    /**
     * A patching grid as the table and chart show it: one pair's, or a prompt set's mean.
     *
     * @param pieces the tokens that label a per-position grid's columns
     */
    record Grid(PatchKind kind, int[] shape, double[] normalized, double[] raw, String[] pieces) {
        static Grid of(PatchResult r, String[] pieces) {
            return new Grid(r.spec().kind(), r.shape(), r.normalized(), r.raw(), pieces);
        }

        double[][] normalizedRows() {
            int width = shape[shape.length - 1];
            double[][] out = new double[normalized.length / width][width];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(normalized, i * width, out[i], 0, width);
            }
            return out;
        }

        /** The grid index of flat cell {@code i}: (layer, position), (layer, head) or (layer, head, position). */
        int[] index(int i) {
            int rest = i;
            int[] out = new int[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                out[d] = rest % shape[d];
                rest /= shape[d];
            }
            return out;
        }
    }

    /**
     * The ten cells with the largest |normalised| value, which the heatmap shows too: left out (one line saying so)
     * when, with {@code linesAfter} lines still to print, they would push the command line off a terminal's screen
     * above a chart of {@code chartRows} rows ({@code whereAll} says which save has every cell).
     */
    static void topCells(Session s, Grid r, int chartRows, int linesAfter, String whereAll) {
        String[] pieces = r.pieces();
        boolean perPosition = !r.kind().allPositions();
        List<String> header = new ArrayList<>(List.of("layer"));
        if (r.kind().perHead()) {
            header.add("head");
        }
        if (perPosition) {
            header.add("pos");
            header.add("token");
        }
        header.add("normalised");
        header.add("raw");
        TextTable table = new TextTable(header.toArray(String[]::new));
        List<Integer> order = IntStream.range(0, r.raw().length).boxed()
                .filter(i -> !Double.isNaN(r.normalized()[i]))
                .sorted(Comparator.comparingDouble((Integer i) -> -Math.abs(r.normalized()[i])))
                .limit(10).toList();
        for (int i : order) {
            int[] index = r.index(i);
            List<Object> cells = new ArrayList<>();
            int k = 0;
            cells.add(index[k++]);
            if (r.kind().perHead()) {
                cells.add(index[k++]);
            }
            if (perPosition) {
                int p = index[k++];
                cells.add(p);
                cells.add(Format.visible(pieces[p]));
            }
            cells.add(r.normalized()[i]);
            cells.add(r.raw()[i]);
            table.row(cells.toArray());
        }
        String text = table.toString();
        if (s.fits(1, chartRows, 1 + (int) text.lines().count() + linesAfter)) {
            s.println("the cells with the largest effect (of " + r.raw().length + "):");
            s.out().print(text);
        } else {
            s.println("(the " + order.size() + " cells with the largest effect are left out to keep the chart on screen; " + whereAll + ")");
        }
    }

    private static Heatmap patchChart(Session s, PatchResult r, String title) {
        return patchChart(Grid.of(r, s.tokenPieces()), title, "position");
    }

    /** The layer x column heatmap of a grid, centred on 0 (the corrupted run); per-position columns carry the tokens. */
    static Heatmap patchChart(Grid r, String title, String positionLabel) {
        PatchKind kind = r.kind();
        double[][] rows = r.normalizedRows();
        String[] rowLabels = new String[rows.length];
        for (int i = 0; i < rows.length; i++) {
            rowLabels[i] = kind == PatchKind.HEADS_POS ? (i / r.shape()[1]) + "." + (i % r.shape()[1]) : Integer.toString(i);
        }
        Heatmap map = new Heatmap(rows).title(title).rowLabels(rowLabels).yLabel(kind == PatchKind.HEADS_POS ? "layer.head" : "layer")
                .colorLabel("normalised").originBottom(true);
        if (kind.allPositions()) {
            map.xLabel("head");
        } else {
            int t = r.shape()[r.shape().length - 1];
            String[] labels = new String[t];
            for (int p = 0; p < t; p++) {
                labels[p] = Format.visible(r.pieces()[p]);
            }
            map.columnLabels(labels).xLabel(positionLabel);
        }
        return map.diverging(0, "corrupt"); // normalised 0 is the corrupted run's metric
    }

    // ---- lens ----

    private static void lens(Session s, Args a) {
        int t = s.ids().length;
        boolean all = a.flag("--all");
        int pos = -2;
        if (a.hasNext() && isInteger(a.peek())) {
            pos = Args.index(a.next("a position"), t, "position", "the text has " + t + " tokens", a.usage());
        }
        String token = a.hasNext() ? a.next("a token") : null;
        a.end();
        Workspace ws = ws(s);
        long target = token == null ? -1 : Session.user(() -> ws.token(token));
        int p = pos;
        int at = pos < 0 ? pos + t : pos;
        int last = Math.min(t - 1, Math.max(at, tableColumns(s) - 1)); // the columns the table has room for
        int first = all ? 0 : Math.max(0, last - tableColumns(s) + 1);
        int to = all ? t - 1 : last;
        LogitLensResult r = Session.user(() -> ws.lens(p, target, first, to));
        String[] pieces = s.model().tokenizer().pieces(new long[] {r.target()});
        String name = Format.visible(pieces[0]);
        s.println("logit lens at position " + r.position() + " (" + Format.visible(s.tokenPieces()[r.position()]) + "), token '" + name
                + "' (id " + r.target() + "): each layer's residual stream through the final LayerNorm and the unembedding");
        TextTable table = new TextTable("row", "residual", "logprob", "rank", "top token", "top logprob");
        long[] topIds = new long[r.rowCount()];
        for (int i = 0; i < topIds.length; i++) {
            topIds[i] = r.top1Id()[i];
        }
        String[] topPieces = s.model().tokenizer().pieces(topIds);
        for (int i = 0; i < r.rowCount(); i++) {
            table.row(i, i < r.rowCount() - 1 ? "resid_pre " + i : "final", r.logprobTarget()[i], r.rankTarget()[i],
                    Format.visible(topPieces[i]), r.top1Logprob()[i]);
        }
        // The per-layer table repeats the chart's two lines (and the top token at this position, in the table
        // below); on a short screen it gives way, so the command line, the top tokens and the chart stay in view.
        String check = "check: the last row equals the model's own log-probs (max |diff| over the vocabulary "
                + Format.num(r.finalRowMaxAbsDiff()) + ")";
        TopTokens top = topTokenTable(s, r);
        s.tableBeforeCharts(table, 1, "lens.csv", s.printedLines(check) + s.printedLines(top.heading()) + (int) top.table().lines().count());
        s.println(check);
        s.println(top.heading());
        s.out().print(top.table());
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
    private static int tableColumns(Session s) {
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
        String[] textPieces = s.tokenPieces();
        for (int p = first; p <= last; p++) {
            header[p - first + 1] = p + " " + Format.visible(textPieces[p]);
        }
        TextTable table = new TextTable(clip(header, cell + 3));
        for (int row = 0; row < r.rowCount(); row++) {
            long[] ids = new long[last - first + 1];
            for (int p = first; p <= last; p++) {
                ids[p - first] = r.top1IdTable()[row][p];
            }
            String[] pieces = s.model().tokenizer().pieces(ids);
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

    // ---- dla ----

    private static void dla(Session s, Args a) {
        int t = s.ids().length;
        int pos = -2;
        if (a.hasNext() && isInteger(a.peek())) {
            pos = Args.index(a.next("a position"), t, "position", "the text has " + t + " tokens", a.usage());
        }
        List<String> rest = a.rest();
        Workspace ws = ws(s);
        int p = pos;
        DirectLogitAttributionResult r;
        String what;
        if (rest.isEmpty()) {
            r = Session.user(() -> ws.dla(p));
            what = "logit['" + Format.visible(s.model().tokenizer().pieces(new long[] {r.answer()})[0]) + "'] (the real next token)";
        } else if (rest.size() == 1) {
            long id = Session.user(() -> ws.token(rest.get(0)));
            r = Session.user(() -> ws.dla(p, id, -1));
            what = "logit['" + Format.visible(rest.get(0)) + "']";
        } else if (rest.size() == 3 && rest.get(1).equals("-")) {
            long answer = Session.user(() -> ws.token(rest.get(0)));
            long wrong = Session.user(() -> ws.token(rest.get(2)));
            r = Session.user(() -> ws.dla(p, answer, wrong));
            what = "logit['" + Format.visible(rest.get(0)) + "'] - logit['" + Format.visible(rest.get(2)) + "']";
        } else {
            throw new UserError("give a token or a difference A - B (with spaces around -); usage: " + a.usage());
        }
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
        s.lastResult(Result.of("dla", "dla " + r.position() + (rest.isEmpty() ? "" : " " + String.join(" ", rest.stream().map(w -> w.equals("-") ? w : Words.quote(w)).toList())), params, r));
    }

    private static boolean isInteger(String word) {
        return word.strip().matches("-?\\d+");
    }
}
