package jlens.repl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.HeadDetectScore;
import jlens.chart.Chart;
import jlens.chart.Colormaps;
import jlens.chart.Heatmap;
import jlens.chart.Histogram;
import jlens.chart.LinePlot;
import jlens.chart.SmallMultiples;
import jlens.corpus.Corpus;
import jlens.corpus.CorpusAttention;
import jlens.corpus.CorpusDetect;
import jlens.corpus.CorpusFeatures;
import jlens.corpus.CorpusLens;
import jlens.corpus.CorpusOptions;
import jlens.corpus.CorpusResult;
import jlens.corpus.CorpusResults;
import jlens.corpus.CorpusStats;
import jlens.corpus.CorpusWindows;
import jlens.corpus.FeatureFunction;
import jlens.hook.HookPoint;

/** {@code corpus}: a text corpus, the reductions over it (in this process, batched), and results saved from a cluster. */
final class CorpusCommands {
    private static final String USAGE = "corpus [FILE|DIR [options]] | stats [HOOK...] | attention | detect KIND | lens | features [LAYER] [--k K] | feature F | show FILE.json";

    private CorpusCommands() {}

    static Command command() {
        return new Command("corpus", USAGE, "questions over a whole text corpus: statistics, attention, detectors, the lens, features",
                """
                'corpus FILE|DIR' opens a corpus: a .txt file (one document per line), a folder of .txt
                files (each file one document), JSON Lines (.jsonl/.json: the "text" field of each line),
                any of them gzipped (known by their bytes). Windows are cut as TransformerLens's
                tokenize_and_concatenate cuts them: 1000 documents at a time joined with <|endoftext|>,
                windows of the model's context with BOS first, the rest of each 1000 dropped.
                Options: --docs line|file (what a document is in a text file), --window N, --no-bos,
                --tokens N (stop after N tokens), --batch N (windows per pass), --group N, --skip-bad
                (skip documents with control characters or bad UTF-8 instead of stopping).
                Then, each over every window, batched, with a progress bar (Ctrl-C stops and keeps
                what was reduced so far):
                  corpus stats [HOOK...] [--range LO HI] [--bins N]   mean, variance, histogram per
                        hook (default q, k, v of every layer; 'z' alone means every layer's z);
                        'save means.npy' writes the means [hooks, shape...] for mean ablation
                  corpus attention        per head: attention to the first token, to the previous
                                          token, and the entropy of its pattern
                  corpus detect KIND [--exclude-bos] [--exclude-current]   detector scores averaged
                  corpus lens             per layer: how often the lens's top token is the final one,
                                          and the mean log-prob of the real next token
                  corpus features [--k K]  with an SAE loaded ('sae load'): each of its features,
                                          how often it fires, its mean activation when firing,
                                          its top K contexts (without one: MLP neurons)
                  corpus features LAYER [--k K]   the same for each MLP neuron of LAYER
                  corpus feature F        the top contexts of feature F of the last features result
                  corpus show FILE.json   a result saved here or written by the Spark job
                Examples:
                  corpus README.md --tokens 2048
                  corpus attention
                  save attention.json
                  corpus show attention.json""",
                (s, before) -> before.isEmpty() ? List.of("stats", "attention", "detect", "lens", "features", "feature", "show", Completions.FILES)
                        : before.size() == 1 && before.get(0).equals("detect") ? List.of(HeadDetectKind.labels().split("\\|"))
                        : before.get(0).equals("show") ? List.of(Completions.FILES)
                        : List.of("--docs", "--window", "--no-bos", "--tokens", "--batch", "--group", "--skip-bad"),
                CorpusCommands::corpus);
    }

    private static void corpus(Session s, Args a) {
        var studies = s.workspace().corpus();
        if (!a.hasNext()) {
            a.end();
            show(s, studies.get(), studies.options());
            return;
        }
        String word = a.peek().toLowerCase(Locale.ROOT);
        switch (word) {
            case "stats" -> {
                a.next("stats");
                List<String> range = a.option("--range", 2);
                List<String> bins = a.option("--bins", 1);
                double lo = range == null ? CorpusStats.LO : Args.parseDouble(range.get(0), "LO", a.usage());
                double hi = range == null ? CorpusStats.HI : Args.parseDouble(range.get(1), "HI", a.usage());
                int n = bins == null ? CorpusStats.BINS : (int) Args.parseLong(bins.get(0), "bins", a.usage());
                List<String> hooks = a.rest();
                render(s, running(s, "corpus stats", p -> studies.stats(hooks, lo, hi, n, p, s::cancelRequested)), "corpus stats " + String.join(" ", hooks));
            }
            case "attention" -> {
                a.next("attention");
                a.end();
                render(s, running(s, "corpus attention", p -> studies.attention(p, s::cancelRequested)), "corpus attention");
            }
            case "detect" -> {
                a.next("detect");
                boolean exBos = a.flag("--exclude-bos");
                boolean exCur = a.flag("--exclude-current");
                HeadDetectKind kind;
                try {
                    kind = HeadDetectKind.parse(a.next("a pattern (" + HeadDetectKind.labels() + ")"));
                } catch (IllegalArgumentException e) {
                    throw new UserError(e.getMessage());
                }
                a.end();
                render(s, running(s, "corpus detect", p -> studies.detect(kind, exBos, exCur, p, s::cancelRequested)),
                        "corpus detect " + kind.label() + (exBos ? " --exclude-bos" : "") + (exCur ? " --exclude-current" : ""));
            }
            case "lens" -> {
                a.next("lens");
                a.end();
                render(s, running(s, "corpus lens", p -> studies.lens(p, s::cancelRequested)), "corpus lens");
            }
            case "features" -> {
                a.next("features");
                List<String> k = a.option("--k", 1);
                boolean neurons = a.hasNext() || !studies.hasSae(); // a layer names its MLP neurons; else the SAE's features
                int layer = a.hasNext() ? a.nextIndex("layer", s.workspace().config().nLayer(), "the model has " + s.workspace().config().nLayer() + " layers") : s.settings().layer();
                a.end();
                int kk = k == null ? 10 : (int) Args.parseLong(k.get(0), "K", a.usage());
                if (neurons) {
                    render(s, running(s, "corpus features", p -> studies.features(new FeatureFunction.Neurons(layer), kk, p, s::cancelRequested)),
                            "corpus features " + layer);
                } else {
                    render(s, running(s, "corpus features", p -> studies.saeFeatures(kk, p, s::cancelRequested)), "corpus features");
                }
            }
            case "feature" -> {
                a.next("feature");
                long f = Args.parseLong(a.next("a feature number"), "F", a.usage());
                a.end();
                if (!(s.workspace().lastResult() instanceof CorpusFeatures.Result r)) {
                    throw new UserError("the last result is not a features result; run 'corpus features' or 'corpus show FILE.json' first");
                }
                if (f < 0 || f >= r.sums().features()) {
                    throw new UserError("feature " + f + " is out of range 0.." + (r.sums().features() - 1));
                }
                contexts(s, r, (int) f, 20);
            }
            case "show" -> {
                a.next("show");
                String file = a.next("a result file (.json)");
                a.end();
                CorpusResult r = studies.show(Path.of(file));
                render(s, r, "corpus show " + file);
            }
            default -> {
                String file = a.next("FILE or DIR");
                CorpusOptions o = options(a);
                a.end();
                show(s, studies.open(SaveCommand.path(file), o), o);
            }
        }
    }

    private static CorpusOptions options(Args a) {
        CorpusOptions o = CorpusOptions.defaults();
        try {
            List<String> docs = a.option("--docs", 1);
            if (docs != null) {
                o = o.withDocuments(switch (docs.get(0).toLowerCase(Locale.ROOT)) {
                    case "line", "lines" -> CorpusOptions.Documents.LINE;
                    case "file", "files" -> CorpusOptions.Documents.FILE;
                    case "auto" -> CorpusOptions.Documents.AUTO;
                    default -> throw new UserError("--docs takes line or file, not '" + SaveTarget.quote(docs.get(0)) + "'");
                });
            }
            List<String> window = a.option("--window", 1);
            if (window != null) {
                o = o.withWindow((int) Math.min(Integer.MAX_VALUE, Args.parseLong(window.get(0), "N", a.usage())));
            }
            List<String> tokens = a.option("--tokens", 1);
            if (tokens != null) {
                o = o.withMaxTokens(Args.parseLong(tokens.get(0), "N", a.usage()));
            }
            List<String> batch = a.option("--batch", 1);
            if (batch != null) {
                o = o.withBatch((int) Math.min(Integer.MAX_VALUE, Args.parseLong(batch.get(0), "N", a.usage())));
            }
            List<String> group = a.option("--group", 1);
            if (group != null) {
                o = o.withGroup((int) Math.min(Integer.MAX_VALUE, Args.parseLong(group.get(0), "N", a.usage())));
            }
            return o.withBos(!a.flag("--no-bos")).withSkipBad(a.flag("--skip-bad"));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private static void show(Session s, Corpus c, CorpusOptions o) {
        s.println("corpus " + SaveTarget.quote(c.name()) + ": " + c.describe());
        if (s.workspace().hasModel()) {
            s.println(o.describe(s.workspace().config().nPositions()) + (o.maxTokens() > 0 ? ", the first " + o.maxTokens() + " tokens" : "")
                    + (o.skipBad() ? ", bad documents skipped" : ""));
        }
        TextTable t = new TextTable("#", "file", "kind", "bytes");
        for (int i = 0; i < Math.min(8, c.files().size()); i++) {
            t.row(i, SaveTarget.quote(c.files().get(i).name()), c.files().get(i).kind(), c.files().get(i).bytes());
        }
        s.out().print(t);
        if (c.files().size() > 8) {
            s.println("... and " + (c.files().size() - 8) + " more files");
        }
    }

    /** Runs {@code work} under a progress bar (a terminal only); what it returns is the result. */
    private static CorpusResult running(Session s, String label, java.util.function.Function<Consumer<CorpusWindows.Progress>, CorpusResult> work) {
        CorpusProgressBar bar = new CorpusProgressBar(s, label);
        try {
            return work.apply(bar);
        } finally {
            bar.done();
        }
    }

    /** Says what the result covers, shows its table and chart, and keeps it for 'save'. */
    static void render(Session s, CorpusResult r, String line) {
        s.println(r.info().task() + " of " + r.info().model() + " over " + r.info().describe());
        if (!r.info().complete()) {
            s.println("cancelled: the result covers the " + r.info().tokens() + " tokens reduced before Ctrl-C; 'save' keeps them");
        }
        sayNonFinite(s, r);
        if (r instanceof CorpusStats.Result st) {
            stats(s, st);
        } else if (r instanceof CorpusAttention.Result at) {
            attention(s, at);
        } else if (r instanceof CorpusDetect.Result d) {
            detect(s, d);
        } else if (r instanceof CorpusLens.Result l) {
            lens(s, l);
        } else if (r instanceof CorpusFeatures.Result f) {
            features(s, f);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("corpus", r.info().corpus());
        params.put("tokens", r.info().tokens());
        params.put("window", r.info().window());
        params.put("where", r.info().where());
        s.lastResult(Result.of(CorpusResults.kind(r.info().task()), line, params, r));
    }

    /**
     * The non-finite rule (ARCHITECTURE.md, "Non-finite values") for a corpus: a reduction sums over every window, so
     * one window whose activations are NaN or infinite makes its sums so; said in one line before the chart, whose
     * cells for them are blank.
     */
    private static void sayNonFinite(Session s, CorpusResult r) {
        long bad = 0;
        long all = 0;
        for (int i = 0; i < r.rowCount(); i++) {
            for (Object v : r.row(i)) {
                if (v instanceof Float || v instanceof Double) {
                    all++;
                    bad += Double.isFinite(((Number) v).doubleValue()) ? 0 : 1;
                }
            }
        }
        if (bad > 0) {
            s.println(bad + " of " + all + " values are NaN or infinite: the model's activations are not finite on this corpus"
                    + " (blank cells; 'save X.csv' keeps them as nan); check the model with 'text' and 'run' on one window");
        }
    }

    private static void stats(Session s, CorpusStats.Result r) {
        var sums = r.sums();
        TextTable t = new TextTable("hook", "mean", "variance", "std", "outside [lo, hi]");
        for (int i = 0; i < r.rowCount(); i++) {
            var h = sums.hooks().get(i);
            double var = h.all().variance();
            t.row(h.hook(), h.all().mean(), var, Math.sqrt(var), h.below() + h.above());
        }
        s.tableBeforeCharts(t, 2, "stats.csv");
        // per point (q, k, v, ...) a line over its layers, and its value densities as a layer x value heatmap
        Map<String, List<CorpusStats.HookSums>> byPoint = new LinkedHashMap<>();
        for (var h : sums.hooks()) {
            byPoint.computeIfAbsent(HookPoint.pointOf(h.hook()), k -> new ArrayList<>()).add(h);
        }
        LinePlot plot = new LinePlot("std of each activation over the corpus, by layer").xLabel("layer").yLabel("std").markers(true);
        SmallMultiples maps = new SmallMultiples("value density by layer on [" + Format.num(sums.lo()) + ", " + Format.num(sums.hi())
                + "] (rows: layers, origin at the bottom)");
        for (var e : byPoint.entrySet()) {
            String name = shortName(e.getKey());
            List<CorpusStats.HookSums> hs = e.getValue();
            double[] x = hs.stream().mapToDouble(h -> HookPoint.layerOf(h.hook())).toArray();
            double[] y = hs.stream().mapToDouble(h -> Math.sqrt(h.all().variance())).toArray();
            plot.add(new LinePlot.Series(name, x, y));
            double[][] d = new double[hs.size()][];
            double width = (sums.hi() - sums.lo()) / sums.bins();
            double max = 0;
            for (int i = 0; i < hs.size(); i++) {
                long[] c = hs.get(i).histogram();
                long total = hs.get(i).all().count();
                d[i] = new double[c.length];
                for (int b = 0; b < c.length; b++) {
                    d[i][b] = total == 0 ? Double.NaN : c[b] / (total * width);
                    max = Math.max(max, Double.isFinite(d[i][b]) ? d[i][b] : 0);
                }
            }
            maps.add(new Heatmap(d).title(name).xRange(sums.lo(), sums.hi()).range(0, max > 0 ? max : 1).colormap(Colormaps.MAGMA)
                    .originBottom(true).yLabel("layer").xLabel("value").colorLabel("density"));
        }
        Figure pages = new Figure(List.of("std by layer", "densities by layer"), 0, i -> i == 0 ? plot : maps);
        s.draw(plot, pages, s.chartHeight(2));
        s.draw(maps, pages, s.chartHeight(2));
        if (r.array() != null) {
            s.println("'save means.npy' writes each hook's mean " + Format.shape(r.array().shape()) + " (for mean ablation)");
        }
    }

    private static String shortName(String point) {
        int dot = point.lastIndexOf("hook_");
        return dot < 0 ? point : point.substring(dot + 5);
    }

    private static void attention(Session s, CorpusAttention.Result r) {
        double[][] ent = r.entropy();
        double maxEnt = Math.log(r.info().window());
        SmallMultiples grid = new SmallMultiples("attention per head, mean over " + r.sums().queries() + " queries (all but each window's first)")
                .add(headMap(r.first(), "to the first token", "share", 0, 1))
                .add(headMap(r.previous(), "to the previous token", "share", 0, 1))
                .add(headMap(ent, "entropy (nats)", "nats", 0, maxEnt));
        s.draw(grid, null, Math.max(s.settings().height(), r.sums().nLayer() / 2 + 10));
    }

    /** A layer x head heatmap, origin at the bottom. */
    static Heatmap headMap(double[][] grid, String title, String colorLabel, double lo, double hi) {
        String[] rows = new String[grid.length];
        for (int l = 0; l < grid.length; l++) {
            rows[l] = Integer.toString(l);
        }
        return new Heatmap(grid).title(title).rowLabels(rows).xLabel("head").yLabel("layer").colormap(Colormaps.MAGMA)
                .colorLabel(colorLabel).range(lo, hi).originBottom(true);
    }

    private static void detect(Session s, CorpusDetect.Result r) {
        HeadDetectResult d = r.detection();
        TextTable table = new TextTable("rank", "head", "score");
        List<HeadDetectScore> top = d.top(5);
        for (int i = 0; i < top.size(); i++) {
            table.row(i + 1, top.get(i).layer() + "." + top.get(i).head(), top.get(i).score());
        }
        s.out().print(table);
        s.draw(headMap(d.scores(), d.detector() + " score by layer and head, mean over " + d.prompts() + " windows", "score", 0, 1),
                null, Math.max(s.settings().height(), d.nLayer() / 2 + 8));
    }

    private static void lens(Session s, CorpusLens.Result r) {
        double[] agree = r.agreement();
        double[] lp = r.meanLogprob();
        TextTable t = new TextTable("row", "hook", "top = final", "mean log-prob");
        List<String> names = r.rowNames();
        for (int i = 0; i < agree.length; i++) {
            t.row(i, names.get(i), agree[i], lp[i]);
        }
        s.tableBeforeCharts(t, 1, "lens.csv");
        LinePlot plot = new LinePlot("logit lens over " + r.sums().positions() + " positions: top token = final top token (left), "
                + "mean log-prob of the next token (right)").xLabel("layer (the last point: the final residual)").yLabel("share")
                .rightLabel("log-prob").markers(true)
                .add(LinePlot.Series.overIndex("top = final", agree))
                .add(LinePlot.Series.overIndex("log p(next)", lp).onRightAxis());
        s.draw(plot, null);
    }

    private static void features(Session s, CorpusFeatures.Result r) {
        double[] freq = r.frequency();
        long dead = java.util.Arrays.stream(r.sums().fires()).filter(x -> x == 0).count();
        double[] logs = java.util.Arrays.stream(freq).filter(f -> f > 0).map(Math::log10).toArray();
        s.println(r.sums().describe() + ": " + r.sums().features() + " features over " + r.sums().tokens() + " tokens; " + dead
                + " never fired");
        TextTable t = new TextTable("feature", "frequency", "mean when firing", "best context");
        List<Integer> order = IntStream.range(0, freq.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -freq[i]).thenComparingInt(i -> i)).toList();
        double[] mean = r.meanActive();
        for (int i = 0; i < Math.min(8, order.size()); i++) {
            int f = order.get(i);
            List<CorpusFeatures.Context> top = r.sums().top().get(f);
            t.row(f, freq[f], mean[f], top.isEmpty() ? "-" : context(s, top.get(0), 40));
        }
        s.tableBeforeCharts(t, 1, "features.csv");
        if (logs.length > 0) {
            double lo = java.util.Arrays.stream(logs).min().orElse(-6);
            double hi = Math.max(lo + 1e-9, java.util.Arrays.stream(logs).max().orElse(0));
            Histogram h = new Histogram("feature density: log10 of each feature's firing frequency (" + logs.length + " that fired)")
                    .xLabel("log10 frequency").yLabel("features")
                    .add(Histogram.Series.fromSamples("features", logs, 40, lo, hi, false));
            s.draw(h, null);
        } else {
            s.nothingDrawn();
        }
        s.println("'corpus feature F' shows a feature's top contexts" + (r.sums().describe().startsWith("MLP neurons")
                && !s.workspace().corpus().hasSae() ? "; with an SAE loaded ('sae load'), 'corpus features' counts its features" : ""));
    }

    private static void contexts(Session s, CorpusFeatures.Result r, int f, int width) {
        List<CorpusFeatures.Context> top = r.sums().top().get(f);
        s.println("feature " + f + " of " + r.sums().describe() + ": fires on " + r.sums().fires()[f] + " of " + r.sums().tokens()
                + " tokens; its top " + top.size() + " contexts (the token in [brackets]):");
        TextTable t = new TextTable("value", "group.window:pos", "context");
        for (CorpusFeatures.Context c : top) {
            t.row(c.value(), c.group() + "." + c.window() + ":" + c.position(), context(s, c, 70));
        }
        s.out().print(t);
    }

    /** A context as text: the pieces escaped for the terminal, the token itself in brackets. */
    private static String context(Session s, CorpusFeatures.Context c, int max) {
        String[] pieces = s.workspace().model().tokenizer().pieces(c.context());
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pieces.length; i++) {
            String p = Format.visible(pieces[i]);
            b.append(i == c.at() ? "[" + p + "]" : p);
        }
        String text = SaveTarget.quote(b.toString());
        return text.length() > max ? "…" + text.substring(text.length() - max + 1) : text;
    }
}
