package jlens.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jlens.intervene.AblationSweep;
import jlens.intervene.SweepOptions;
import jlens.intervene.SweepResult;
import jlens.intervene.SweepSpec;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.Interventions;
import jlens.intervene.steering.SteeringVector;
import jlens.intervene.prompts.BatchForward;
import jlens.intervene.prompts.BatchInput;
import jlens.intervene.prompts.BatchPadding;
import jlens.intervene.Intervention;
import jlens.intervene.generation.GenerationOptions;
import jlens.intervene.generation.Generator;
import jlens.model.Gpt2;

/**
 * {@code ./jlens bench [--model DIR] [--runs N]}: the seed notebook's demos timed the way
 * {@code bench_pytorch.py} times them (same fields, same tokens, median of N runs after a warm-up), plus the
 * naive sweep and the layer x head grid. Prints one JSON line; {@code bench/compare.sh} puts it beside the
 * PyTorch baseline.
 */
public final class Bench {
    /** The seed text's 30 token ids, the ones bench_pytorch.py uses for models without a reference.json. */
    private static final long[] SEED_TEXT_IDS = {3856, 508, 345, 389, 290, 910, 644, 345, 1254, 11, 198, 220, 220, 220,
        220, 220, 780, 883, 508, 2000, 836, 470, 2300, 290, 883, 508, 2300, 836, 470, 2000};

    /** As bench_pytorch.py --more: new tokens generated, prompts in the batch. */
    private static final int GENERATED = 20;
    private static final int BATCH = 8;

    private Bench() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = options(args);
        Path dir = Path.of(opts.getOrDefault("--model", "models/gpt2"));
        int runs = Integer.parseInt(opts.getOrDefault("--runs", "3"));
        boolean naive = !"false".equals(opts.get("--naive"));
        boolean circuits = !"false".equals(opts.get("--circuits"));
        // --only forward,sweep,circuits,generate,batch,sae,corpus: the stages to time (all by default), for a focused look;
        // corpus is `corpus attention` over --corpus-tokens N (100000) generated tokens; circuits is patch (activation
        // patching), lens (the logit lens and attribution) and graph (path patching, edge attribution; --steps S for
        // EAP-IG, default 30)
        Set<String> only = opts.containsKey("--only") ? Set.of(opts.get("--only").split(",")) : null;
        java.util.function.Predicate<String> stage = name -> only == null || only.contains(name);

        long t0 = System.nanoTime();
        try (Gpt2 model = Gpt2.load(dir)) {
            double loadS = seconds(t0);
            long[] ids = SEED_TEXT_IDS;
            int head = Math.min(4, model.config().nHead() - 1);
            Path ref = dir.resolve("reference.json");
            if (Files.isRegularFile(ref)) { // the fixtures: their own text and head, as the baseline does
                JsonObject r = JsonParser.parseString(Files.readString(ref)).getAsJsonObject();
                ids = r.getAsJsonArray("token_ids").asList().stream().mapToLong(e -> e.getAsLong()).toArray();
                head = r.getAsJsonObject("ablation").get("head").getAsInt();
            }
            long[] tokens = ids;
            long t1 = System.nanoTime();
            forward(model, tokens);
            double firstS = loadS + seconds(t1);

            List<String> qkv = new ArrayList<>();
            for (int l = 0; l < model.config().nLayer(); l++) {
                qkv.add(HookPoint.block(l, HookPoint.QKV));
            }
            SweepSpec notebook = SweepSpec.notebook(model.config(), tokens, head);
            SweepSpec grid = SweepSpec.grid(model.config(), tokens, SweepSpec.NOTEBOOK_POSITION);

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("impl", "jlens-djl");
            out.put("engine", Engine.getEngine("PyTorch").getVersion());
            out.put("threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
            out.put("model", dir.toAbsolutePath().normalize().getFileName().toString());
            out.put("n_tokens", tokens.length);
            out.put("load_s", round(loadS, 3));
            out.put("load_and_first_forward_s", round(firstS, 3));
            // steering's cost: one vector added at every position of the residual entering the middle layer
            List<Intervention> steer = steering(model);
            if (stage.test("forward")) {
                out.put("forward_s", round(median(runs, () -> forward(model, tokens)), 4));
                out.put("forward_steered_s", round(median(runs, () -> {
                    try (Hooks.Scope scope = model.hooks().scope()) {
                        Interventions.register(scope, steer, () -> 0);
                        forward(model, tokens);
                    }
                }), 4));
                out.put("demo1_hooked_forward_s", round(median(runs, () -> model.run(tokens, qkv).close()), 4));
            }
            SweepResult[] fast = new SweepResult[1];
            if (stage.test("sweep")) {
                out.put("demo3_ablation_sweep_s", round(median(runs, () -> fast[0] = AblationSweep.run(model, notebook)), 4));
                out.put("grid_ablation_s", round(median(runs, () -> AblationSweep.run(model, grid)), 3));
            }
            if (circuits && (stage.test("circuits") || stage.test("patch"))) { // against TransformerLens's loop
                CircuitBench.measurePatching(model, tokens, out);
            }
            if (circuits && (stage.test("circuits") || stage.test("lens"))) { // the logit lens and attribution
                CircuitBench.measureReadouts(model, tokens, runs, out);
            }
            if (circuits && (stage.test("circuits") || stage.test("graph"))) { // path patching and edge attribution
                CircuitBench.measureGraph(model, tokens, Integer.parseInt(opts.getOrDefault("--steps", "30")),
                        !"false".equals(opts.get("--edges-exact")), out);
            }
            // bench_pytorch.py --more: greedy generation with a key/value cache after the same tokens, and one
            // forward pass (all logits) over 8 prompts, the text rolled by 0..7 positions as the baseline does.
            if (stage.test("generate")) {
                Generator generator = new Generator(model);
                GenerationOptions greedy = GenerationOptions.greedy(GENERATED);
                out.put("generate_greedy_kv_s", round(median(runs, () -> generator.generate(tokens, greedy)), 4));
                out.put("generate_new_tokens", GENERATED);
                GenerationOptions zeroed = greedy.withInterventions(List.of(Intervention.zeroHead(
                        model.config().nLayer() / 2, head, -1)));
                out.put("generate_greedy_kv_hooked_s", round(median(runs, () -> generator.generate(tokens, zeroed)), 4));
                GenerationOptions steered = greedy.withInterventions(steer);
                out.put("generate_greedy_kv_steered_s", round(median(runs, () -> generator.generate(tokens, steered)), 4));
            }
            List<long[]> prompts = new ArrayList<>();
            for (int k = 0; k < BATCH; k++) {
                long[] rolled = new long[tokens.length];
                for (int i = 0; i < tokens.length; i++) {
                    rolled[i] = tokens[Math.floorMod(i - k, tokens.length)];
                }
                prompts.add(rolled);
            }
            BatchInput batch = new BatchInput(prompts, BatchPadding.LEFT, 0);
            if (stage.test("batch")) {
                out.put("batch_forward_s", round(median(runs, () -> {
                    try (NDManager m = model.manager().newSubManager()) {
                        BatchForward.logits(model, batch, model.hooks(), m);
                    }
                }), 4));
                out.put("batch_size", BATCH);
                out.put("batch_singles_s", round(median(runs, () -> prompts.forEach(p -> forward(model, p))), 4));
            }
            if (stage.test("sae")) { // a random 24,576-feature SAE: features on the text, statistics over a corpus
                SaeBench.measure(model, tokens, runs, Integer.parseInt(opts.getOrDefault("--sae-tokens", "100000")), out);
            }
            // jlens's own way through the notebook (and the grid) ends here; the naive loop below is the oracle,
            // run for its time, and its peak is reported apart so the two are not confused.
            out.put("peak_rss_gb", round(peakRssKb() / 1e6, 2));
            if (stage.test("corpus")) {
                corpus(model, Long.parseLong(opts.getOrDefault("--corpus-tokens", "100000")), out);
                out.put("peak_rss_with_corpus_gb", round(peakRssKb() / 1e6, 2));
            }
            if (naive && fast[0] != null) {
                SweepResult[] slow = new SweepResult[1];
                out.put("naive_ablation_sweep_s", round(median(1, () -> slow[0] = AblationSweep.run(model, notebook,
                        SweepOptions.defaults().withNaive(true))), 3));
                out.put("fast_vs_naive_max_abs_diff", maxAbsDiff(fast[0], slow[0]));
                out.put("peak_rss_with_naive_gb", round(peakRssKb() / 1e6, 2));
            }
            System.out.println(json(out));
        }
    }

    /**
     * {@code corpus attention} over a generated text of about {@code tokens} tokens (words drawn from a fixed list,
     * one document a line), windows of the model's context in batches as the REPL cuts them: the corpus's tokens per
     * second, its batch, and what one batch's pass costs alone (the reduction's share is the rest).
     */
    static void corpus(Gpt2 model, long tokens, Map<String, Object> out) throws IOException {
        String[] words = {"the", "model", "reads", "a", "corpus", "of", "text", "and", "every", "head", "attends", "to", "tokens",
            "before", "it", "in", "its", "window", ",", ".", "when", "Mary", "John", "went", "store", "gave", "drink"};
        java.util.Random r = new java.util.Random(1);
        StringBuilder text = new StringBuilder();
        while (text.length() < tokens * 5) { // about five characters a token here
            for (int i = 0, n = 20 + r.nextInt(200); i < n; i++) {
                text.append(i == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
            }
            text.append('\n');
        }
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "jlens-bench-corpus-" + ProcessHandle.current().pid() + ".txt");
        jlens.sys.AtomicWriter.write(file, o -> o.write(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            jlens.corpus.CorpusOptions options = jlens.corpus.CorpusOptions.defaults().withMaxTokens(tokens);
            jlens.corpus.Corpus corpus = jlens.corpus.Corpus.open(file, options.documents());
            long t = System.nanoTime();
            jlens.corpus.CorpusResult result = jlens.corpus.CorpusRunner.reduce(model, "bench", corpus, options,
                    new jlens.corpus.CorpusAttention(), List.of(), p -> {}, () -> false);
            double s = seconds(t);
            out.put("corpus_task", "attention");
            out.put("corpus_tokens", result.info().tokens());
            out.put("corpus_window", result.info().window());
            out.put("corpus_batch", result.info().batch());
            out.put("corpus_s", round(s, 2));
            out.put("corpus_tokens_per_s", round(result.info().tokens() / s, 1));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A steering vector (fixed pseudo-random values) added, times 4, at every position of the middle layer's residual. */
    static List<Intervention> steering(Gpt2 model) {
        int c = model.config().nEmbd();
        java.util.Random r = new java.util.Random(1);
        float[] v = new float[c];
        for (int i = 0; i < c; i++) {
            v[i] = (float) (0.1 * r.nextGaussian());
        }
        return new SteeringVector("bench", HookPoint.RESID_PRE, model.config().nLayer() / 2, v, new long[] {c}, 4.0)
                .interventions(model.config());
    }

    /** One forward pass of {@code ids}, its arrays freed. */
    static void forward(Gpt2 model, long[] ids) {
        try (NDManager m = model.manager().newSubManager()) {
            model.forward(ids, m);
        }
    }

    /** Median wall time of {@code runs} calls after one untimed warm-up call. */
    private static double median(int runs, Runnable task) {
        if (Boolean.getBoolean("jlens.bench.rss")) { // where the peak memory comes from, on stderr
            try {
                System.err.printf("peak RSS before next stage: %.2f GB%n", peakRssKb() / 1e6);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        task.run();
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            task.run();
            times[i] = seconds(t);
        }
        Arrays.sort(times);
        return runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    }

    private static double maxAbsDiff(SweepResult a, SweepResult b) {
        double max = 0;
        for (int i = 0; i < a.records().size(); i++) {
            max = Math.max(max, Math.abs(a.records().get(i).logprob() - b.records().get(i).logprob()));
        }
        return max;
    }

    /** The peak resident set (VmHWM), in kB as getrusage's ru_maxrss, which the baseline reports. */
    static long peakRssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("usage: bench [--model DIR] [--runs N] [--naive false] [--circuits false]"
                        + " [--only STAGE,...] [--sae-tokens N] [--steps S]");
            }
            out.put(args[i], args[++i]);
        }
        return out;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }

    private static String json(Map<String, Object> fields) {
        JsonObject o = new JsonObject();
        fields.forEach((k, v) -> {
            if (v instanceof Number n) {
                o.addProperty(k, n);
            } else {
                o.addProperty(k, String.valueOf(v));
            }
        });
        return o.toString();
    }
}
