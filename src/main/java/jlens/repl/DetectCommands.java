package jlens.repl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jlens.analysis.Composition;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.HeadDetectScore;
import jlens.analysis.QkvPart;
import jlens.analysis.RepeatedRandomTokens;
import jlens.chart.Colormaps;
import jlens.chart.Heatmap;
import jlens.workspace.SelfTestCheck;
import jlens.workspace.SelfTestReport;

/** {@code detect}: head detectors as a layer x head heatmap; {@code selftest}: jlens checked on the known-answer model. */
final class DetectCommands {
    private DetectCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("detect", "detect " + HeadDetectKind.labels() + " [random N [seed S] | set] [--exclude-bos] [--exclude-current]",
                        "score every head for a pattern (previous-token, induction, ...) on the text or a random repeat",
                        """
                        For every layer and head, the share of its attention that falls on a pattern, as
                        TransformerLens's detect_head computes it: sum(pattern x detection) / sum(pattern).
                        previous-token: key i-1; duplicate-token: earlier copies of the query's token;
                        induction: the key after each earlier copy; bos: key 0; current-token: the query itself.
                        --exclude-bos sets attention to position 0 to zero first, --exclude-current attention
                        to the query's own position. On the text, or with 'random N' on TransformerLens's
                        induction prompt: <|endoftext|>, N random tokens from the whole vocabulary, the same N
                        again (seed S, default 0). With 'set', on every prompt of the prompt set ('prompts'):
                        the mean of each prompt's scores, as TransformerLens averages over prompts. Draws a
                        layer x head heatmap and lists the top heads; 'save det.npy' writes the [L, H] scores
                        (.csv, .json, .txt too).
                        Examples:
                          detect induction random 50
                          text "The cat sat on the mat. The cat sat on the mat."
                          detect previous-token
                          detect duplicate-token --exclude-bos
                          prompts examples/known-prompts.jsonl
                          detect previous-token set""",
                        DetectCommands::complete, DetectCommands::detect),
                new Command("compose", "compose q|k|v",
                        "composition scores: each earlier head's output read by each later head's q, k or v input",
                        """
                        Elhage et al.'s composition scores from the weights alone, as TransformerLens's
                        all_composition_scores computes them (LayerNorm's weight folded into the reading
                        weights, reading and writing weights centred over d_model, biases left out):
                          |W_OV(A) W(B)|_F / (|W_OV(A)|_F |W(B)|_F)
                        with W(B) = W_Q W_K^T (q), W_K W_Q^T (k) or W_V W_O (v) of the later head B. Draws an
                        [L*H, L*H] heatmap, senders down, receivers across (0 where the sender is not in an
                        earlier layer; blank where a head has all-zero weights), and lists the strongest pairs.
                        'save comp.npy' writes the matrix, .csv one pair a row, .json the whole result.
                        Examples:
                          compose k
                          compose q""",
                        (s, before) -> before.isEmpty() ? List.of("q", "k", "v") : List.of(), DetectCommands::compose),
                new Command("selftest", "selftest",
                        "check jlens on the known-answer model: detectors, ablations, sweeps, patching, DLA, lens",
                        """
                        Loads the known-answer model (hand-set weights with known circuits) on this session's
                        device and dtype, beside the current model, and checks that each head detector ranks its
                        wired head first by a clear margin, that the model copies in context and that zeroing
                        the induction head, or the previous-token head that feeds it, collapses that, and that
                        the fast ablation sweep equals its naive oracle; then that patching, direct logit
                        attribution and the logit lens conserve what they should and find the wired path
                        (previous-token head -> induction head), and that composition scores find each stated
                        composition (previous-token into induction by K; the IOI circuit's duplicate-token into
                        S-inhibition by K and S-inhibition into the name mover by Q). One line per check, PASS or FAIL with
                        its numbers; in a script a FAIL makes jlens exit 1. With --device gpu this is the check
                        to run on a new GPU server: ./jlens --device gpu -c selftest
                        Example:
                          selftest""",
                        Command.ArgCompleter.NONE, DetectCommands::selftest));
    }

    private static List<String> complete(Session s, List<String> before) {
        if (before.isEmpty()) {
            return List.of(HeadDetectKind.labels().split("\\|"));
        }
        List<String> out = new ArrayList<>(List.of("--exclude-bos", "--exclude-current"));
        if (before.size() == 1) {
            out.add(0, "set");
            out.add(0, "random");
        }
        if (before.size() >= 3 && before.get(1).equalsIgnoreCase("random") && !before.contains("seed")) {
            out.add(0, "seed");
        }
        return out;
    }

    private static void detect(Session s, Args a) {
        boolean excludeBos = a.flag("--exclude-bos");
        boolean excludeCurrent = a.flag("--exclude-current");
        String word = a.next("a pattern (" + HeadDetectKind.labels() + ")");
        HeadDetectKind kind;
        try {
            kind = HeadDetectKind.parse(word);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        Integer n = null;
        long seed = RepeatedRandomTokens.DEFAULT_SEED;
        boolean overSet = a.accept("set");
        if (a.accept("random")) {
            long length = Args.parseLong(a.next("N, the length of the random sequence"), "N", a.usage());
            n = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, length)); // the workspace says the range
            if (a.accept("seed")) {
                seed = Args.parseLong(a.next("the seed"), "the seed", a.usage());
            }
        }
        overSet |= a.accept("set");
        a.end();
        if (overSet && n != null) {
            throw new UserError("detect runs on the text, on 'random N' or on the prompt set ('set'), one at a time; usage: " + a.usage());
        }
        HeadDetectResult r = overSet ? s.workspace().prompts().detect(kind, excludeBos, excludeCurrent)
                : n == null ? s.workspace().detect(kind, excludeBos, excludeCurrent)
                : s.workspace().detectRandom(kind, n, seed, excludeBos, excludeCurrent);
        String on = overSet ? "the prompt set (" + r.prompts() + " prompts from "
                        + PromptCommands.printable(s.workspace().prompts().set().source(), 60) + "; the mean of each prompt's scores)"
                : n == null ? "the text (" + s.workspace().ids().length + " tokens)"
                : "<|endoftext|> + " + n + " random tokens repeated (seed " + seed + ")";
        String flags = (excludeBos ? " --exclude-bos" : "") + (excludeCurrent ? " --exclude-current" : "");
        s.println(kind.label() + " scores on " + on + flags + ": the share of each head's attention on the pattern");
        TextTable table = new TextTable("rank", "head", "score");
        List<HeadDetectScore> top = r.top(5).stream().filter(h -> Double.isFinite(h.score())).toList();
        for (int i = 0; i < top.size(); i++) {
            table.row(i + 1, top.get(i).layer() + "." + top.get(i).head(), top.get(i).score());
        }
        s.out().print(table);
        long undefined = r.ranked().stream().filter(h -> !Double.isFinite(h.score())).count();
        if (undefined > 0) { // a blank cell would otherwise read as a head that scores nothing
            s.println(undefined + " of " + r.nLayer() * r.nHead() + " heads have no score (NaN: their attention is not finite, or"
                    + " nothing is left of it after the exclusions): blank cells, left out of the ranking");
        }
        double[][] grid = r.scores();
        String[] rows = new String[grid.length];
        for (int l = 0; l < grid.length; l++) {
            rows[l] = Integer.toString(l);
        }
        Heatmap map = new Heatmap(grid).title(kind.label() + " score by layer and head"
                        + (overSet ? ", mean over " + r.prompts() + " prompts" : "")).rowLabels(rows)
                .xLabel("head").yLabel("layer").colormap(Colormaps.MAGMA).colorLabel("score").range(0, 1)
                .originBottom(true);
        s.draw(map, null, s.chartHeight(1)); // a small grid takes only the rows it needs (its cells are written out)
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("pattern", kind.label());
        params.put("exclude_bos", excludeBos);
        params.put("exclude_current", excludeCurrent);
        params.put("random", n == null ? "no" : n);
        params.put("seed", n == null ? "none" : seed);
        if (overSet) {
            params.put("prompts", s.workspace().prompts().set().source());
        }
        String line = "detect " + kind.label() + (overSet ? " set" : n == null ? "" : " random " + n + " seed " + seed) + flags;
        s.lastResult(Result.of("detect", line, params, r));
    }

    private static void compose(Session s, Args a) {
        QkvPart part;
        try {
            part = QkvPart.parse(a.next("q, k or v"));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage() + "; usage: " + a.usage());
        }
        a.end();
        Composition.Scores r = s.workspace().compose(part);
        String p = part.name();
        s.println(p + "-composition: how much each later head's " + part.label() + " input reads each earlier head's output"
                + " (weights only, 0 to 1)");
        List<int[]> pairs = new ArrayList<>();
        int undefined = 0;
        for (int i = 0; i < r.rowCount(); i++) {
            Object[] row = r.row(i);
            float v = (Float) row[4];
            if (Float.isNaN(v)) {
                undefined++;
            } else {
                pairs.add(new int[] {(Integer) row[0], (Integer) row[1], (Integer) row[2], (Integer) row[3]});
            }
        }
        pairs.sort((x, y) -> Float.compare(r.get(y[0], y[1], y[2], y[3]), r.get(x[0], x[1], x[2], x[3])));
        TextTable table = new TextTable("rank", "sender", "receiver", "score");
        for (int i = 0; i < Math.min(5, pairs.size()); i++) {
            int[] q = pairs.get(i);
            table.row(i + 1, q[0] + "." + q[1], q[2] + "." + q[3], r.get(q[0], q[1], q[2], q[3]));
        }
        s.out().print(table);
        if (undefined > 0) {
            s.println(undefined + " pairs are NaN (a head whose weights are all zero, or not finite) and left blank");
        }
        Heatmap map = new Heatmap(r.matrix()).title(p + "-composition, sender (row) into receiver (column)")
                .rowLabels(r.labels()).columnLabels(r.labels()).xLabel("receiver: " + part.label() + " input")
                .yLabel("sender: OV").colormap(Colormaps.MAGMA).colorLabel("score").range(0, maxOrOne(r.values()));
        s.draw(map, null); // what the screen has left: each sender gets rows of its own when they fit
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("input", part.label());
        params.put("definition", "|W_OV(A) W(B)|_F / (|W_OV(A)|_F |W(B)|_F), TransformerLens's all_composition_scores");
        s.lastResult(Result.of("compose", "compose " + part.label(), params, r));
    }

    /** The colour range's top: the largest finite score, or 1 when there is none. */
    private static double maxOrOne(float[] values) {
        double max = 0;
        for (float v : values) {
            if (Float.isFinite(v)) {
                max = Math.max(max, v);
            }
        }
        return max > 0 ? max : 1;
    }

    private static void selftest(Session s, Args a) {
        a.end();
        s.println("selftest: loading the known-answer model on " + (s.workspace().hasModel() ? s.workspace().model().device() : "the default device")
                + " and checking jlens against its wiring");
        SelfTestReport report = s.workspace().selfTest();
        for (SelfTestCheck c : report.checks()) {
            s.println(c.line());
        }
        if (!report.passed()) {
            throw new UserError("selftest: " + report.failures() + " of " + report.checks().size() + " checks failed on "
                    + report.device() + " " + report.dtype());
        }
        s.println("selftest: all " + report.checks().size() + " checks passed on " + report.device() + " " + report.dtype());
    }
}
