package jlens.repl;

import java.util.ArrayList;
import java.util.List;
import jlens.intervene.Site;
import java.util.Map;
import java.util.function.IntFunction;
import jlens.analysis.NdData;
import jlens.analysis.HeadAttention;
import jlens.analysis.LogProbs;
import jlens.chart.Chart;
import jlens.chart.Colormaps;
import jlens.chart.Heatmap;
import jlens.chart.ScatterPlot;
import jlens.chart.SmallMultiples;
import jlens.hook.HookPoint;

/** {@code logprobs}, {@code pattern} and {@code ablate}: demo 3 and the attention patterns. */
final class ProbeCommands {
    private ProbeCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("logprobs", "logprobs [POS] | logprobs set [corrupt]", "log-softmax over the vocabulary at a position, the real next token marked",
                        """
                        The log-probabilities the model gives every vocabulary token at position POS (default -2,
                        the prediction of the last token), plotted against token id with the real next token
                        marked, and the top tokens listed: demo 3 step 2. Runs the text if needed.
                        'logprobs set' scores every prompt of the prompt set ('prompts') at its last token, in
                        padded batches: the answer's and the wrong token's log-probs and their logit difference
                        (or the top token when the set has no answers), per prompt and their mean; 'corrupt' runs
                        the corrupted prompts. 'save X.csv' writes every prompt's row.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          logprobs
                          logprobs 5
                          save logprobs.csv
                          prompts examples/known-prompts.jsonl
                          logprobs set""",
                        (s, before) -> before.isEmpty() ? withSet(Completions.positions(s))
                                : before.size() == 1 && before.get(0).equalsIgnoreCase("set") ? List.of("corrupt") : List.of(),
                        ProbeCommands::logprobs),
                new Command("pattern", "pattern LAYER [HEAD]", "attention pattern of a layer's heads with token labels",
                        """
                        The attention pattern (softmax of the causal scores) of one head, or of every head of
                        the layer as small multiples, queries down and keys across, labelled with the tokens.
                        Runs the text if needed. In 'view', the arrow keys move between heads.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          pattern 1 2
                          pattern -1""",
                        (s, before) -> before.isEmpty() ? Completions.layers(s, false) : before.size() == 1 ? Completions.heads(s, false) : List.of(),
                        ProbeCommands::pattern),
                new Command("ablate", "ablate head H|all token P [layer N|all] [at SITE] | ablate head H layer L [token P] mean",
                        "zero head H at token P, layer by layer: log-prob of the last token vs the clean run",
                        """
                        Demo 3: sets head H's output (hook_z) at position P to zero, one layer at a time (or only
                        'layer N'), and records the log-probability of the text's last token predicted at
                        position -2. Draws it against layer with the clean value as a dashed line, and prints a
                        table with probabilities. 'head all' sweeps every layer x head and draws a grid.
                        'at SITE' zeroes the head at another per-head hook point instead of z: q, k, v, result
                        (its output before the sum), pattern or attn_scores (its query row at P: with zeros the
                        query attends evenly to what it may see).
                        Shows progress; Ctrl-C cancels.
                        Ending with 'mean' ablates over the prompt set ('prompts') instead: head H of layer L is
                        replaced by its mean over the set (position by position, or at token P only), and every
                        prompt's logit difference (or answer log-prob) is compared with the clean run.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          ablate head 2 token -2
                          ablate head 2 token -2 layer 1
                          ablate head all token -2
                          ablate head 1 token -2 at v
                          save ablation.csv
                          prompts examples/known-prompts.jsonl
                          ablate head 2 layer 1 mean""",
                        (s, before) -> before.isEmpty() ? List.of("head")
                                : before.size() == 1 ? Completions.heads(s, true)
                                : before.size() == 2 ? List.of("token")
                                : before.size() == 3 ? Completions.positions(s)
                                : before.size() == 4 ? List.of("layer")
                                : before.size() == 5 ? Completions.layers(s, true)
                                : before.get(before.size() - 1).equals("at") ? List.of("z", "q", "k", "v", "result", "pattern")
                                : List.of("at"),
                        ProbeCommands::ablate));
    }

    private static List<String> withSet(List<String> positions) {
        List<String> out = new ArrayList<>(List.of("set"));
        out.addAll(positions);
        return out;
    }

    private static void logprobs(Session s, Args a) {
        if (a.accept("set")) {
            PromptCommands.logprobs(s, a);
            return;
        }
        int t = s.workspace().ids().length;
        int pos = a.hasNext() ? a.nextIndex("position", t, "the text has " + t + " tokens") : Math.max(0, t - 2);
        a.end();
        LogProbs.AtPosition lp = s.workspace().logprobs(pos, 10); // runs the text when nothing has run yet
        if (lp.next() != null) {
            LogProbs.Token n = lp.next();
            s.println("position " + lp.position() + " predicts position " + (lp.position() + 1) + ": real next token "
                    + Words.quote(n.token()) + " (id " + n.id() + ") log-prob " + Format.num(n.logProb()) + ", probability "
                    + Format.num(n.probability()) + ", rank " + n.rank() + " of " + lp.logProbs().length);
        } else {
            s.println("position " + lp.position() + " is the last: the text holds no next token to mark");
        }
        TextTable top = new TextTable("rank", "id", "token", "logprob", "prob");
        for (LogProbs.Token x : lp.top()) {
            top.row(x.rank(), x.id(), Words.quote(x.token()), x.logProb(), x.probability());
        }
        s.tableBeforeCharts(top, 1, "logprobs.csv");
        double[] values = new double[lp.logProbs().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = lp.logProbs()[i];
        }
        ScatterPlot plot = new ScatterPlot("log-softmax at position " + lp.position() + " over the vocabulary", values)
                .xLabel("token id").yLabel("log-prob").colorByValue(Colormaps.MAGMA);
        if (lp.next() != null) {
            plot.highlight((int) lp.next().id(), Words.quote(lp.next().token()));
        }
        // The few likely tokens are what matter: colour by log-prob makes them the brightest dots, and the top
        // five are named beside their points (where there is room).
        int named = 0;
        for (LogProbs.Token x : lp.top()) {
            if (named++ < 5) {
                plot.label((int) x.id(), Words.quote(x.token()));
            }
        }
        s.draw(plot, null);
        s.lastResult(Result.of("logprobs", "logprobs " + pos, Map.of("position", lp.position()), lp));
    }

    private static void pattern(Session s, Args a) {
        var c = s.workspace().config();
        int layer = a.nextIndex("layer", c.nLayer(), "the model has " + c.nLayer() + " layers");
        Integer head = a.hasNext() ? a.nextIndex("head", c.nHead(), "the model has " + c.nHead() + " heads per layer") : null;
        a.end();
        String hook = HookPoint.block(layer, HookPoint.PATTERN);
        var cache = s.workspace().ensureCaptured(List.of(hook)); // its own capture; the hooked points come along
        s.settings().layer(layer);
        int heads = c.nHead();
        List<String> titles = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
            titles.add("layer " + layer + " head " + h + ": attention pattern");
        }
        String[] labels = StatsCommands.tokenLabels(s, 0, s.workspace().ids().length);
        IntFunction<Chart> page = h -> patternChart(HeadAttention.pattern(cache, c, layer, h), labels);
        if (head != null) {
            HeadAttention.Matrix m = HeadAttention.pattern(cache, c, layer, head);
            s.println("layer " + layer + " head " + head + ": attention pattern, queries down, keys across (causal: above the diagonal is 0)");
            s.draw(patternChart(m, labels), new Figure(titles, head, page));
            if (m.nonFinite() > 0) {
                s.println("not finite (blank cells): head " + head + " (" + m.nonFinite() + " of " + m.values().length + " weights"
                        + " NaN or infinite: the layer's activations are not finite)");
            }
            s.lastResult(Result.of("pattern", "pattern " + layer + " " + head, Map.of("layer", layer, "head", head), m));
            return;
        }
        // Panels of at least 30 columns and 10 rows; show as many heads as fit in 60 rows, 'view' steps through all.
        int columns = Math.max(1, s.chartWidth() / 30);
        // On a terminal with 'height auto', as many rows of panels as the screen holds (two lines go to the
        // text above the grid); otherwise up to 6 rows of panels, as always.
        int panelRows = s.screenHeight() ? Math.max(1, (s.chartHeight(1) - 2) / 12) : 6;
        int shown = Math.min(heads, columns * panelRows);
        int rows = (shown + columns - 1) / columns;
        SmallMultiples grid = new SmallMultiples("layer " + layer + ": attention pattern of "
                + (shown == heads ? "every head" : "heads 0.." + (shown - 1) + " of " + heads));
        int t = s.workspace().ids().length;
        float[] all = new float[heads * t * t];
        List<String> nonFinite = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
            HeadAttention.Matrix m = HeadAttention.pattern(cache, c, layer, h);
            if (h < shown) {
                grid.add(patternChart(m, labels));
            }
            if (m.nonFinite() > 0) {
                nonFinite.add("head " + h + " (" + m.nonFinite() + " of " + t * t + ")");
            }
            System.arraycopy(m.values(), 0, all, h * t * t, t * t);
        }
        s.println("layer " + layer + ": attention pattern of heads 0.." + (shown - 1) + (shown < heads ? " (of " + heads + ")" : "")
                + "; 'pattern " + layer + " H' for one, 'view' to step through every head");
        s.draw(grid, new Figure(titles, 0, page), s.screenHeight() ? s.chartHeight(1) : Math.max(s.chartHeight(1), rows * 12));
        if (!nonFinite.isEmpty()) { // a blank head would otherwise look like one that attends nowhere
            s.println("not finite (blank cells; NaN or infinite weights, the layer's activations are not finite): "
                    + String.join(", ", nonFinite));
        }
        s.lastResult(Result.of("pattern", "pattern " + layer, Map.of("layer", layer), Map.of("layer", layer, "pattern", all),
                null, NdData.of(new long[] {heads, t, t}, all)));
    }

    static Chart patternChart(HeadAttention.Matrix m, String[] labels) {
        int n = m.tokens();
        double[][] grid = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                float v = m.get(i, j);
                grid[i][j] = Float.isFinite(v) ? v : Double.NaN; // masked: drawn blank, not at an end of the scale
            }
        }
        return new Heatmap(grid).title("layer " + m.layer() + " head " + m.head()).rowLabels(labels).columnLabels(labels)
                .range(0, 1).colormap(Colormaps.MAGMA).colorLabel("attention").xLabel("key").yLabel("query");
    }

    /** What an ablate line asks for. */
    record AblateSpec(Integer head, int position, Integer layer, Site site) {}

    static AblateSpec parseAblate(Session s, Args a) {
        var c = s.workspace().config();
        if (!a.accept("head")) {
            throw new UserError(a.hasNext() ? "expected 'head', not '" + a.peek() + "'; usage: " + a.usage()
                    : "missing 'head H'; usage: " + a.usage());
        }
        Integer head = a.accept("all") ? null : a.nextIndex("head", c.nHead(), "the model has " + c.nHead() + " heads per layer");
        if (!a.accept("token")) {
            throw new UserError(a.hasNext() ? "expected 'token', not '" + a.peek() + "'; usage: " + a.usage()
                    : "missing 'token P'; usage: " + a.usage());
        }
        int t = s.workspace().ids().length;
        int position = a.nextIndex("token", t, "the text has " + t + " tokens");
        Integer layer = null;
        Site site = Site.Z;
        boolean at = a.accept("at");
        if (!at && a.accept("layer")) {
            layer = a.accept("all") ? null : a.nextIndex("layer", c.nLayer(), "the model has " + c.nLayer() + " layers");
            at = a.accept("at");
        }
        if (at) {
            try {
                site = Site.parse(a.next("a per-head hook point (z, q, k, v, result, pattern)"));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            if (!site.perHead()) {
                throw new UserError(site.word() + " has no heads; use a per-head hook point: z, q, k, v, result, pattern or attn_scores");
            }
            if (layer == null && a.accept("layer")) {
                layer = a.accept("all") ? null : a.nextIndex("layer", c.nLayer(), "the model has " + c.nLayer() + " layers");
            }
        }
        a.end();
        if (t < 2) {
            throw new UserError("ablation needs a text of at least 2 tokens (it predicts the last token at position -2)");
        }
        return new AblateSpec(head, position, layer, site);
    }

    private static void ablate(Session s, Args a) {
        List<String> words = a.rest();
        if (!words.isEmpty() && words.get(words.size() - 1).equalsIgnoreCase("mean")) {
            PromptCommands.ablateMean(s, new Args(a.usage(), words));
            return;
        }
        a = new Args(a.usage(), words);
        AblateSpec spec = parseAblate(s, a);
        AblationRunner.run(s, spec);
    }
}
