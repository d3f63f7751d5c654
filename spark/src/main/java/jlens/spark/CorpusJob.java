package jlens.spark;

import java.io.IOException;
import java.io.Serializable;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.NdData;
import jlens.analysis.Npy;
import jlens.corpus.Corpus;
import jlens.corpus.CorpusAttention;
import jlens.corpus.CorpusDetect;
import jlens.corpus.CorpusFeatures;
import jlens.corpus.CorpusIndex;
import jlens.corpus.CorpusLens;
import jlens.corpus.CorpusOptions;
import jlens.corpus.CorpusPart;
import jlens.corpus.CorpusPosition;
import jlens.corpus.CorpusReduction;
import jlens.corpus.CorpusResult;
import jlens.corpus.CorpusResults;
import jlens.corpus.CorpusRunner;
import jlens.corpus.CorpusStats;
import jlens.corpus.CorpusSums;
import jlens.corpus.CorpusWindows;
import jlens.corpus.FeatureFunction;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
import jlens.sae.SaeLoadException;
import jlens.store.ModelStore;
import jlens.sys.AtomicWriter;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A corpus reduction as a Spark job:
 *
 * <pre>
 * spark-submit --class jlens.spark.CorpusJob jlens-spark.jar TASK --model NAME|DIR --corpus PATH --out FILE.json [options]
 *   TASK: stats [--hooks q,k,v|NAME,...] [--range LO HI] [--bins N] | attention | detect KIND [--exclude-bos]
 *         [--exclude-current] | lens | features [--sae DIR [--norm-scale S] | --layer L] [--k K]
 *   options: --window N --no-bos --group N --batch N --docs line|file --skip-bad --parts N --device cpu|gpu|auto
 * </pre>
 *
 * The driver resolves the model (a folder every executor sees at the same path: shared storage, or the Hugging Face
 * cache laid out alike), lists the corpus and indexes its document groups; Spark gets the groups as ranges, one part
 * each; each executor loads the model once ({@link ExecutorModels}) and reduces its parts with {@link CorpusRunner},
 * the code that runs in the REPL (with {@code features --sae DIR}, the SAE in that folder, which every executor
 * sees at the same path, loaded once per executor and device beside the model); the parts' sums are merged by {@code treeReduce} with their {@code plus}; the driver
 * writes the result as FILE.json (what {@code corpus show FILE.json} shows), FILE.csv and FILE.npy. A part's windows
 * are its groups' windows wherever it runs, so the numbers are those of an in-process run (to float64 rounding).
 */
public final class CorpusJob {
    private CorpusJob() {}

    /** The job's parameters, parsed from the command line; what travels to executors is in {@link Plan}. */
    record Args(String task, String model, String corpus, String out, CorpusOptions options, CorpusReduction<?> reduction,
                int parts, String device, String master, String command) {}

    public static void main(String[] argv) {
        quietSpark();
        Args a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("jlens-spark: " + e.getMessage());
            System.err.println("usage: CorpusJob stats|attention|detect KIND|lens|features --model NAME|DIR --corpus PATH --out FILE.json [options]");
            System.exit(2);
            return;
        }
        SparkConf conf = new SparkConf().setAppName("jlens corpus " + a.task());
        if (a.master() != null) {
            conf.setMaster(a.master());
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("ERROR");
            CorpusResult r = run(sc, a);
            System.out.println(r.info().task() + " of " + r.info().model() + " over " + r.info().describe());
            System.out.println("wrote " + a.out() + " (corpus show " + a.out() + "), " + stem(a.out()) + ".csv"
                    + (r.array() != null ? ", " + stem(a.out()) + ".npy" : ""));
        } catch (RuntimeException e) {
            System.err.println("jlens-spark: " + firstLine(e));
            System.exit(1);
        }
    }

    /** Spark's own log lines kept to errors, before Spark logs anything of this job. */
    static void quietSpark() {
        try {
            var url = CorpusJob.class.getResource("/jlens-spark-log4j2.properties");
            if (url != null) {
                org.apache.logging.log4j.core.config.Configurator.reconfigure(url.toURI());
            }
        } catch (URISyntaxException | RuntimeException | LinkageError e) {
            // another logging backend: Spark's setLogLevel below still applies
        }
    }

    /** What every part needs, sent to the executors once per task. */
    record Plan<S extends CorpusSums<S>>(String modelDir, String device, Corpus corpus, CorpusOptions options,
                                         List<CorpusPosition> starts, CorpusReduction<S> reduction) implements Serializable {
        /** One part's sums: groups {@code [from, to)} read from the first's position and reduced on this executor. */
        CorpusPart<S> reduce(int from, int to) {
            Gpt2 model = ExecutorModels.get(modelDir, device);
            CorpusReduction<S> here = ExecutorModels.bind(reduction, model);
            int context = model.config().nPositions();
            try (CorpusWindows w = CorpusWindows.open(corpus, options, model.tokenizer(), context, starts.get(from), to - from, () -> false)) {
                return CorpusRunner.run(model, w, options.batchFor(w.window()), here, List.of(), p -> {});
            }
        }
    }

    /** Runs the job on {@code sc} and writes its files; the result as written. */
    public static CorpusResult run(JavaSparkContext sc, Args a) {
        long start = System.nanoTime();
        Path dir = resolve(a.model());
        Gpt2Config config = Gpt2Config.read(dir.resolve("config.json"));
        Corpus corpus = Corpus.open(Path.of(a.corpus()), a.options().documents());
        a.options().windowFor(config.nPositions()); // a window over the context is refused before any work
        CorpusIndex index = CorpusIndex.build(corpus, a.options(), () -> false);
        CorpusResult r = reduce(sc, a, dir, config, corpus, index, a.reduction(), start);
        write(r, a);
        return r;
    }

    private static <S extends CorpusSums<S>> CorpusResult reduce(JavaSparkContext sc, Args a, Path dir, Gpt2Config config,
                                                               Corpus corpus, CorpusIndex index, CorpusReduction<S> reduction,
                                                               long start) {
        Plan<S> plan = new Plan<>(dir.toString(), a.device(), corpus, a.options(), index.starts(), reduction);
        int parts = a.parts() > 0 ? a.parts() : Math.max(1, sc.defaultParallelism() * 2);
        List<int[]> ranges = index.parts(parts);
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException(a.corpus() + ": no documents to reduce");
        }
        JavaRDD<int[]> rdd = sc.parallelize(ranges, ranges.size());
        CorpusPart<S> total = rdd.map(r -> plan.reduce(r[0], r[1])).treeReduce(CorpusPart::plus);
        String where = "spark " + sc.master() + ", " + ranges.size() + " parts";
        return reduction.result(CorpusRunner.info(reduction.task(), corpus, modelName(a.model(), dir), a.options(),
                config.nPositions(), total, where, (System.nanoTime() - start) / 1e9), total.sums());
    }

    private static String modelName(String spec, Path dir) {
        return Files.isDirectory(Path.of(spec)) ? dir.getFileName().toString() : spec;
    }

    private static Path resolve(String spec) {
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) {
            return p.toAbsolutePath();
        }
        try {
            return ModelStore.fromSystem().resolve(spec).dir().toAbsolutePath();
        } catch (Exception e) {
            throw new IllegalArgumentException("model " + spec + ": " + firstLine(e));
        }
    }

    /** FILE.json (the result and its command), FILE.csv, FILE.npy (the main array), each through the atomic writer. */
    static void write(CorpusResult r, Args a) {
        Path json = Path.of(a.out()).toAbsolutePath();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("corpus", r.info().corpus());
        params.put("tokens", r.info().tokens());
        params.put("window", r.info().window());
        params.put("where", r.info().where());
        try {
            Files.createDirectories(json.getParent());
            String text = CorpusResults.file(r, a.command(), params);
            AtomicWriter.write(json, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
            String csv = r.toCsv();
            AtomicWriter.write(json.resolveSibling(stem(json.getFileName().toString()) + ".csv"),
                    out -> out.write(csv.getBytes(StandardCharsets.UTF_8)));
            NdData array = r.array();
            if (array != null) {
                AtomicWriter.write(json.resolveSibling(stem(json.getFileName().toString()) + ".npy"), out -> Npy.write(out, array));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + json + ": " + e.getMessage());
        }
    }

    static String stem(String file) {
        return file.endsWith(".json") ? file.substring(0, file.length() - 5) : file;
    }

    static Args parse(String[] argv) {
        List<String> w = new ArrayList<>(List.of(argv));
        if (w.isEmpty()) {
            throw new IllegalArgumentException("give a task: stats, attention, detect KIND, lens or features");
        }
        String task = w.remove(0).toLowerCase(Locale.ROOT);
        String kind = task.equals("detect") && !w.isEmpty() && !w.get(0).startsWith("--") ? w.remove(0) : null;
        Map<String, String> opt = new LinkedHashMap<>();
        List<String> flags = new ArrayList<>();
        List<String> range = null;
        for (int i = 0; i < w.size(); i++) {
            String k = w.get(i);
            switch (k) {
                case "--no-bos", "--skip-bad", "--exclude-bos", "--exclude-current" -> flags.add(k);
                case "--range" -> {
                    if (i + 2 >= w.size()) {
                        throw new IllegalArgumentException("--range takes LO HI");
                    }
                    range = List.of(w.get(++i), w.get(++i));
                }
                default -> {
                    if (!k.startsWith("--") || i + 1 >= w.size()) {
                        throw new IllegalArgumentException("unexpected '" + k + "'");
                    }
                    opt.put(k, w.get(++i));
                }
            }
        }
        String model = required(opt, "--model");
        String corpus = required(opt, "--corpus");
        String out = required(opt, "--out");
        CorpusOptions o = CorpusOptions.defaults()
                .withWindow(intOpt(opt, "--window", 0)).withBos(!flags.contains("--no-bos")).withGroup(intOpt(opt, "--group", CorpusOptions.DEFAULT_GROUP))
                .withBatch(intOpt(opt, "--batch", 0)).withSkipBad(flags.contains("--skip-bad"))
                .withDocuments(switch (opt.getOrDefault("--docs", "auto")) {
                    case "line" -> CorpusOptions.Documents.LINE;
                    case "file" -> CorpusOptions.Documents.FILE;
                    case "auto" -> CorpusOptions.Documents.AUTO;
                    default -> throw new IllegalArgumentException("--docs takes line or file");
                });
        CorpusReduction<?> reduction = switch (task) {
            case "stats" -> {
                List<String> hooks = new ArrayList<>();
                int nLayer = Gpt2Config.read(resolve(model).resolve("config.json")).nLayer();
                for (String h : opt.getOrDefault("--hooks", "q,k,v").split(",")) {
                    String point = HookPoint.blockPoint(h.strip());
                    if (point != null) {
                        for (int l = 0; l < nLayer; l++) {
                            hooks.add(HookPoint.block(l, point));
                        }
                    } else {
                        hooks.add(HookPoint.resolve(h.strip(), nLayer));
                    }
                }
                double lo = range == null ? CorpusStats.LO : Double.parseDouble(range.get(0));
                double hi = range == null ? CorpusStats.HI : Double.parseDouble(range.get(1));
                yield new CorpusStats(hooks, lo, hi, intOpt(opt, "--bins", CorpusStats.BINS));
            }
            case "attention" -> new CorpusAttention();
            case "detect" -> {
                if (kind == null) {
                    throw new IllegalArgumentException("detect needs a pattern: " + HeadDetectKind.labels());
                }
                yield new CorpusDetect(HeadDetectKind.parse(kind), flags.contains("--exclude-bos"), flags.contains("--exclude-current"));
            }
            case "lens" -> new CorpusLens();
            case "features" -> {
                if (opt.containsKey("--sae") && opt.containsKey("--layer")) {
                    throw new IllegalArgumentException("features takes --sae DIR (the SAE's features) or --layer L (MLP neurons), not both");
                }
                FeatureFunction f;
                if (opt.containsKey("--sae")) {
                    double scale = opt.containsKey("--norm-scale") ? doubleOpt(opt, "--norm-scale") : Double.NaN;
                    try {
                        f = FeatureFunction.SaeEncoder.at(Path.of(opt.get("--sae")), scale);
                    } catch (SaeLoadException e) {
                        throw new IllegalArgumentException("--sae: " + e.getMessage());
                    }
                } else {
                    f = new FeatureFunction.Neurons(intOpt(opt, "--layer", 0));
                }
                yield new CorpusFeatures(f, intOpt(opt, "--k", 10), 12, 3);
            }
            default -> throw new IllegalArgumentException("unknown task '" + task + "'; stats, attention, detect KIND, lens or features");
        };
        return new Args(task, model, corpus, out, o, reduction, intOpt(opt, "--parts", 0), opt.getOrDefault("--device", "cpu"),
                opt.get("--master"), "spark " + String.join(" ", argv));
    }

    private static double doubleOpt(Map<String, String> opt, String key) {
        try {
            return Double.parseDouble(opt.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " takes a number, not '" + opt.get(key) + "'");
        }
    }

    private static String required(Map<String, String> opt, String key) {
        String v = opt.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }

    private static int intOpt(Map<String, String> opt, String key, int fallback) {
        String v = opt.get(key);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " takes a number, not '" + v + "'");
        }
    }

    private static String firstLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof org.apache.spark.SparkException)) {
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }
}
