package jlens.repl;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jlens.analysis.Metric;
import jlens.analysis.MetricKind;
import jlens.analysis.NdData;
import jlens.chart.Heatmap;
import jlens.intervene.prompts.Prompt;
import jlens.intervene.prompts.PromptAblation;
import jlens.intervene.prompts.PromptFileException;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchSpec;
import jlens.intervene.prompts.PromptMean;
import jlens.intervene.prompts.PromptPatchResult;
import jlens.intervene.prompts.PromptPatchRow;
import jlens.intervene.prompts.PromptPatching;
import jlens.intervene.prompts.PromptScore;
import jlens.intervene.prompts.PromptScores;
import jlens.intervene.prompts.PromptSet;
import jlens.intervene.SweepOptions;
import jlens.workspace.Workspace;

/** {@code prompts} (a prompt set), and the set-level forms of {@code logprobs}, {@code ablate} and {@code patch}. */
final class PromptCommands {
    /** Rows of a set shown in the terminal; 'save' writes them all. */
    private static final int SHOWN = 12;

    private PromptCommands() {}

    static Command command() {
        return new Command("prompts", "prompts [FILE | ioi N [seed S]]", "a prompt set: read one, make an IOI set, or show it",
                """
                Sets the prompt set that 'logprobs set', 'ablate ... mean', 'patch ... set' and 'detect
                ... set' run over, and shows it. FILE
                has one prompt per line, or is JSON Lines (.jsonl) with the fields text (required), corrupt
                (same token count), answer and wrong (one token each, such as " Mary"); every problem is
                reported as FILE:LINE. 'ioi N' makes N IOI-style prompts ("When Mary and John went to the
                store, John gave a drink to", answer " Mary", wrong " John", corrupt with the other name
                repeated), the same for the same seed. Without arguments, shows the current set. 'load'
                keeps the set, made again for the new model (or dropped, saying why, when it no longer fits).
                Examples:
                  prompts ioi 50 seed 1
                  prompts examples/known-prompts.jsonl
                  prompts""",
                (s, before) -> before.isEmpty() ? List.of("ioi", Completions.FILES) : before.size() == 2 && before.get(0).equals("ioi") ? List.of("seed") : List.of(),
                PromptCommands::prompts);
    }

    private static void prompts(Session s, Args a) {
        PromptSet set;
        if (!a.hasNext()) {
            set = s.workspace().prompts().set();
        } else if (a.accept("ioi")) {
            long n = Args.parseLong(a.next("N"), "N", a.usage());
            long seed = a.accept("seed") ? Args.parseLong(a.next("a seed"), "seed", a.usage()) : 0;
            a.end();
            if (n < 1 || n > 100_000) {
                throw new UserError("N must be 1..100000, not " + n);
            }
            set = s.workspace().prompts().ioi((int) n, seed);
        } else {
            String file = a.next("FILE");
            a.end();
            set = s.workspace().prompts().read(Path.of(file));
        }
        show(s, set);
    }

    private static void show(Session s, PromptSet set) {
        s.println(set.size() + " prompts from " + printable(set.source(), 80) + ": " + set.minLength()
                + (set.minLength() == set.maxLength() ? "" : ".." + set.maxLength()) + " tokens"
                + (set.hasAnswerPairs() ? ", answer and wrong tokens" : set.hasAnswers() ? ", answers" : ", no answers")
                + (set.hasCorrupt() ? ", corrupted prompts" : ""));
        TextTable t = new TextTable("#", "line", "tokens", "text", "answer", "wrong");
        int width = Math.max(16, Math.min(s.chartWidth(), 200) - 50); // the other columns take about 47
        for (int i = 0; i < Math.min(SHOWN, set.size()); i++) {
            Prompt p = set.get(i);
            t.row(i, p.line(), p.length(), printable(p.text(), width), p.hasAnswer() ? quoted(p.answer()) : "-",
                    p.hasWrong() ? quoted(p.wrong()) : "-");
        }
        s.out().print(t);
        if (set.size() > SHOWN) {
            s.println("... and " + (set.size() - SHOWN) + " more; 'logprobs set' scores them all");
        }
    }

    /** {@code logprobs set [corrupt]}: each prompt's next-token scores and their means. */
    static void logprobs(Session s, Args a) {
        boolean corrupt = a.accept("corrupt");
        a.end();
        PromptScores scores = s.workspace().prompts().scores(corrupt);
        PromptSet set = s.workspace().prompts().set();
        boolean pairs = set.hasAnswerPairs();
        TextTable t = pairs ? new TextTable("#", "line", "answer", "logprob", "wrong", "logprob", "logit_diff", "top")
                : new TextTable("#", "line", "top", "logprob", "answer", "logprob");
        String[] top = s.workspace().model().tokenizer().pieces(scores.rows().stream().mapToLong(PromptScore::topId).toArray());
        for (int i = 0; i < Math.min(SHOWN, scores.rows().size()); i++) {
            PromptScore r = scores.rows().get(i);
            Prompt p = set.get(i);
            if (pairs) {
                t.row(i, r.line(), quoted(p.answer()), r.answerLogprob(), quoted(p.wrong()), r.wrongLogprob(), r.logitDiff(),
                        "'" + printable(top[i], 12) + "'"); // the table's last column: kept short for 80 columns
            } else {
                t.row(i, r.line(), quoted(top[i]), r.topLogprob(), p.hasAnswer() ? quoted(p.answer()) : "-",
                        p.hasAnswer() ? r.answerLogprob() : "-");
            }
        }
        s.println("next-token scores at each prompt's last token" + (corrupt ? " (corrupted prompts)" : "") + ", "
                + set.size() + " prompts in batches of 8:");
        s.out().print(t);
        if (set.size() > SHOWN) {
            s.println("... " + (set.size() - SHOWN) + " more rows; 'save FILE.csv' writes every prompt's row");
        }
        var sums = scores.sums();
        s.println("mean over the set: " + mean("top-token log-prob", sums.topLogprob())
                + (sums.answerLogprob().count() > 0 ? "; " + mean("answer log-prob", sums.answerLogprob()) : "")
                + (sums.logitDiff().count() > 0 ? "; " + mean("logit difference", sums.logitDiff()) : ""));
        if (!corrupt && sums.logitDiff().count() > 0 && !(sums.logitDiff().mean() > 0)) {
            s.println("the answers are not preferred to the wrong tokens (mean logit difference " + Format.num(sums.logitDiff().mean())
                    + ", not above 0): this model does not do this task, so patching and ablation over the set will find"
                    + " no effect; try " + (s.workspace().circuits().isPresent()
                            ? "'load gpt2', or the known-answer model's induction prompts: 'prompts examples/known-prompts.jsonl'"
                            : "a larger model ('load gpt2-medium') or other prompts"));
        }
        double[] flat = new double[scores.rows().size() * 3];
        for (int i = 0; i < scores.rows().size(); i++) {
            PromptScore r = scores.rows().get(i);
            flat[i * 3] = r.answerLogprob();
            flat[i * 3 + 1] = r.wrongLogprob();
            flat[i * 3 + 2] = r.logitDiff();
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("prompts", set.source());
        params.put("corrupt", corrupt);
        s.lastResult(Result.of("logprobs-set", "logprobs set" + (corrupt ? " corrupt" : ""), params, scores,
                () -> scoresCsv(scores, top), NdData.of(new long[] {scores.rows().size(), 3}, flat)));
    }

    /** {@code ablate head H layer L [token P] mean}: mean ablation over the prompt set. */
    static void ablateMean(Session s, Args a) {
        var c = s.workspace().config();
        if (!a.accept("head")) {
            throw new UserError("mean ablation over the set: 'ablate head H layer L [token P] mean'");
        }
        int head = a.nextIndex("head", c.nHead(), "the model has " + c.nHead() + " heads per layer");
        int layer = -1;
        int position = -1;
        while (a.hasNext() && !a.peek().equalsIgnoreCase("mean")) {
            if (a.accept("layer")) {
                layer = a.nextIndex("layer", c.nLayer(), "the model has " + c.nLayer() + " layers");
            } else if (a.accept("token")) {
                int shortest = s.workspace().prompts().set().minLength();
                long p = Args.parseLong(a.next("a token position"), "token", a.usage());
                long abs = p < 0 ? shortest + p : p;
                if (abs < 0 || abs >= shortest) {
                    throw new UserError("token " + p + " is out of range for the set's shortest prompt of " + shortest
                            + " tokens (0.." + (shortest - 1) + ", or negative from its end)");
                }
                position = (int) abs;
            } else {
                throw new UserError("unexpected '" + a.peek() + "'; mean ablation over the set: 'ablate head H layer L [token P] mean'");
            }
        }
        if (!a.accept("mean")) {
            throw new UserError("mean ablation over the set ends with 'mean': 'ablate head H layer L [token P] mean'");
        }
        a.end();
        if (layer < 0) {
            throw new UserError("mean ablation over the set needs 'layer L': 'ablate head H layer L [token P] mean'");
        }
        PromptAblation r = s.workspace().prompts().ablateMean(layer, head, position);
        boolean pairs = s.workspace().prompts().set().hasAnswerPairs();
        String metric = pairs ? "logit difference" : "answer log-prob";
        TextTable t = new TextTable("#", "line", "clean", "ablated", "change");
        for (int i = 0; i < Math.min(SHOWN, r.clean().rows().size()); i++) {
            double before = value(r.clean().rows().get(i), pairs);
            double after = value(r.ablated().rows().get(i), pairs);
            t.row(i, r.clean().rows().get(i).line(), before, after, after - before);
        }
        s.println("head " + head + " of layer " + layer + " (hook_z) replaced by its mean over the "
                + r.clean().rows().size() + " prompts" + (position < 0 ? " at every position" : " at position " + position)
                + "; " + metric + " at each prompt's last token:");
        s.out().print(t);
        PromptMean clean = pairs ? r.clean().sums().logitDiff() : r.clean().sums().answerLogprob();
        PromptMean ablated = pairs ? r.ablated().sums().logitDiff() : r.ablated().sums().answerLogprob();
        if (clean.count() == 0) {
            s.println("the set has no answers to score; give prompts with \"answer\" (and \"wrong\") fields, or 'prompts ioi N'");
        } else {
            s.println(String.format(Locale.ROOT, "mean %s: clean %s, ablated %s, change %s", metric, Format.num(clean.mean()),
                    Format.num(ablated.mean()), Format.num(ablated.mean() - clean.mean())));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("head", head);
        params.put("layer", layer);
        params.put("position", position);
        double[] flat = new double[r.clean().rows().size() * 2];
        for (int i = 0; i < r.clean().rows().size(); i++) {
            flat[i * 2] = value(r.clean().rows().get(i), pairs);
            flat[i * 2 + 1] = value(r.ablated().rows().get(i), pairs);
        }
        s.lastResult(Result.of("ablate-mean", "ablate head " + head + " layer " + layer + " mean", params, r,
                () -> ablationCsv(r, pairs), NdData.of(new long[] {r.clean().rows().size(), 2}, flat)));
    }

    /** {@code patch KIND set}: activation patching over the prompt set, the mean grid and each prompt's metrics. */
    static void patch(Session s, PatchKind kind) {
        Workspace ws = s.workspace();
        List<PatchSpec> specs = Session.user(() -> ws.prompts().patchSpecs(kind));
        PromptSet set = ws.prompts().set();
        int cells = specs.get(0).cells(s.workspace().config()).size();
        s.println("patching " + kind.word() + " over the prompt set (" + set.size() + " prompts from " + printable(set.source(), 60)
                + "): each prompt's clean activations into its corrupted run, " + cells + " cells each; metric "
                + metricWords(s, set) + " (Ctrl-C cancels)");
        ProgressMeter progress = new ProgressMeter(s, "patch set");
        PromptPatchResult r;
        try {
            SweepOptions options = SweepOptions.patching().withProgress(progress).withCancel(s::cancelRequested);
            r = Session.user(() -> ws.prompts().patch(kind, options));
        } finally {
            progress.done();
        }
        TextTable t = new TextTable("#", "line", "tokens", "m_clean", "m_corrupt", "m_clean - m_corrupt");
        for (int i = 0; i < Math.min(SHOWN, r.rows().size()); i++) {
            PromptPatchRow row = r.rows().get(i);
            t.row(i, row.line(), row.tokens(), row.mClean(), row.mCorrupt(), row.mClean() - row.mCorrupt());
        }
        s.out().print(t);
        if (r.rows().size() > SHOWN) {
            s.println("... " + (r.rows().size() - SHOWN) + " more rows; 'save FILE.csv' writes every prompt's row");
        }
        s.println("mean over " + r.prompts() + " prompts: m_clean " + Format.num(r.mClean()) + ", m_corrupt " + Format.num(r.mCorrupt())
                + " (m_clean - m_corrupt " + Format.num(r.mClean() - r.mCorrupt()) + "); " + r.sums().computed() + " of "
                + (long) cells * r.prompts() + " cells run, the others equal their corrupted run exactly, " + Format.num(r.seconds()) + " s");
        int height = Math.max(s.settings().height(), r.shape()[0] * ((kind.perHead() && !kind.allPositions()) ? r.shape()[1] : 1) / 2 + 8);
        String[] pieces = s.workspace().model().tokenizer().pieces(r.labelIds());
        PatchView.Grid grid = new PatchView.Grid(kind, r.shape(), r.normalized(), r.raw(), pieces);
        boolean undefined = PatchView.sayUndefined(s, r.mClean(), r.mCorrupt(),
                () -> PatchView.noChange(s, "the raw means of every cell are in 'save X.json'"),
                "the raw means of every cell are in 'save X.json'");
        PatchView.sayNonFiniteCells(s, r.raw(), undefined);
        if (!undefined) {
            PatchView.topCells(s, grid, height, 0, "'save X.npy' writes the mean grid");
        }
        String title = "patched " + kind.word() + ", mean over " + r.prompts() + " prompts: (m - m_corrupt) / (m_clean - m_corrupt)";
        Heatmap chart = PatchView.patchChart(grid, title, "position (tokens of line " + set.get(0).line() + ")");
        s.drawUnless(undefined, chart, height);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("site", kind.word());
        params.put("prompts", set.source());
        params.put("count", r.prompts());
        params.put("metric", metricWords(s, set));
        params.put("m_clean", r.mClean());
        params.put("m_corrupt", r.mCorrupt());
        s.lastResult(Result.of("patch-set", "patch " + kind.word() + " set", params, r));
    }

    /** Which metric each prompt is patched with: its own answer - wrong, the session's, or both kinds. */
    private static String metricWords(Session s, PromptSet set) {
        long own = set.prompts().stream().filter(PromptPatching::ownMetric).count();
        String answers = "logit[answer] - logit[wrong] at each prompt's last token";
        if (own == set.size()) {
            return answers;
        }
        Metric m = Session.user(s.workspace().patching()::metric);
        String tokens = Metric.quote(s.workspace().model().tokenizer().pieces(new long[] {m.answer()})[0]);
        String session = (m.kind() == MetricKind.LOGIT_DIFF
                ? "logit[" + tokens + "] - logit[" + Metric.quote(s.workspace().model().tokenizer().pieces(new long[] {m.wrong()})[0]) + "]"
                : "log p(" + tokens + ")") + " at position " + m.position() + " of each prompt";
        return own == 0 ? session : answers + " (" + own + " prompts), else " + session + " (" + (set.size() - own) + " prompts)";
    }

    private static double value(PromptScore r, boolean pairs) {
        return pairs ? r.logitDiff() : r.answerLogprob();
    }

    private static String mean(String what, PromptMean m) {
        return what + " " + Format.num(m.mean()) + (m.count() > 1 ? " (std " + Format.num(m.std()) + ", n " + m.count() + ")" : "");
    }

    private static String scoresCsv(PromptScores scores, String[] top) {
        StringBuilder b = new StringBuilder("index,line,top_id,top_piece,top_logprob,answer_logprob,wrong_logprob,logit_diff\n");
        for (int i = 0; i < scores.rows().size(); i++) {
            PromptScore r = scores.rows().get(i);
            b.append(i).append(',').append(r.line()).append(',').append(r.topId()).append(',')
                    .append(GenerateCommands.csvField(top[i])).append(',').append(r.topLogprob()).append(',')
                    .append(r.answerLogprob()).append(',').append(r.wrongLogprob()).append(',').append(r.logitDiff()).append('\n');
        }
        return b.toString();
    }

    private static String ablationCsv(PromptAblation r, boolean pairs) {
        String metric = pairs ? "logit_diff" : "answer_logprob";
        StringBuilder b = new StringBuilder("index,line,clean_" + metric + ",ablated_" + metric + "\n");
        for (int i = 0; i < r.clean().rows().size(); i++) {
            b.append(i).append(',').append(r.clean().rows().get(i).line()).append(',').append(value(r.clean().rows().get(i), pairs))
                    .append(',').append(value(r.ablated().rows().get(i), pairs)).append('\n');
        }
        return b.toString();
    }

    private static String quoted(String piece) {
        return "'" + printable(piece, 24) + "'";
    }

    /** Text from a user's file or the model, with control characters escaped and long text cut. */
    static String printable(String text, int max) {
        return PromptFileException.printable(text, max);
    }
}
