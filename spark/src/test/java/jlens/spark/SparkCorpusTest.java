package jlens.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import jlens.corpus.Corpus;
import jlens.corpus.CorpusFeatures;
import jlens.corpus.CorpusReduction;
import jlens.corpus.CorpusResult;
import jlens.corpus.CorpusResults;
import jlens.corpus.CorpusRunner;
import jlens.corpus.FeatureFunction;
import jlens.model.Gpt2;
import jlens.sae.Sae;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job against the same task run in this process, on the test fixture: on {@code local[2]} every task (its
 * corpus split into parts of document groups, reduced by the executors' threads, merged by {@code treeReduce}), and on
 * {@code local[1]} one, each written as the REPL's {@code corpus show} reads it. Counts equal, float64 sums within
 * 1e-9 relative. The features task runs with MLP neurons and with each fixture SAE ({@code --sae DIR}).
 */
class SparkCorpusTest {
    static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    static Path fixture;
    static Gpt2 model;

    @TempDir
    static Path tmp;
    static Path corpus;

    @BeforeAll
    static void setUp() throws IOException {
        fixture = Path.of(System.getProperty("jlens.fixture", "../src/test/resources/tiny-gpt2")).toAbsolutePath();
        model = Gpt2.load(fixture);
        Random r = new Random(5);
        String[] words = {"the", "cat", "sat", "on", "a", "mat", "and", "John", "gave", "Mary", "milk", "it's", "42", "!"};
        Path dir = Files.createDirectories(tmp.resolve("corpus"));
        for (int f = 0; f < 3; f++) {
            StringBuilder b = new StringBuilder();
            for (int d = 0; d < 14; d++) {
                int n = 3 + r.nextInt(25);
                for (int i = 0; i < n; i++) {
                    b.append(i == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
                }
                b.append('\n');
            }
            Files.writeString(dir.resolve("part-" + f + ".txt"), b.toString());
        }
        corpus = dir;
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static final List<String> TASKS = List.of("attention", "stats --hooks z,resid_post --range -3 3 --bins 12",
            "detect induction --exclude-bos", "lens", "features --layer 1 --k 3");
    /** The fixture's SAELens folders (relu in the older layout, jumprelu and topk in SAELens 6's), each a features task. */
    static final List<String> SAES = List.of("relu-pre6", "jumprelu-v6", "topk-v6");

    static List<String> tasks() {
        List<String> out = new ArrayList<>(TASKS);
        for (String sae : SAES) {
            out.add("features --sae " + fixture.resolveSibling("tiny-gpt2-saes").resolve(sae) + " --k 3");
        }
        return out;
    }

    static String[] args(String task, String out) {
        List<String> a = new ArrayList<>(List.of(task.split(" ")));
        a.addAll(List.of("--model", fixture.toString(), "--corpus", corpus.toString(), "--out", out, "--docs", "line", "--window", "12",
                "--group", "4", "--batch", "3", "--parts", "4"));
        return a.toArray(String[]::new);
    }

    static JavaSparkContext context(String master) {
        CorpusJob.quietSpark();
        SparkConf conf = new SparkConf().setMaster(master).setAppName("jlens test").set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("ERROR");
        return sc;
    }

    static void sameAsInProcess(String task, Path out) {
        CorpusJob.Args a = CorpusJob.parse(args(task, out.toString()));
        CorpusResult shown = CorpusResults.read(out);
        Corpus c = Corpus.open(corpus, a.options().documents());
        CorpusReduction<?> r = a.reduction();
        Sae sae = null;
        if (r instanceof CorpusFeatures f && f.function() instanceof FeatureFunction.SaeEncoder e) {
            sae = e.load(model.device()); // the SAE of its folder, loaded here by hand (not by the executors' code)
            r = new CorpusFeatures(e.on(sae), f.k(), f.before(), f.after());
        }
        CorpusResult here;
        try {
            here = CorpusRunner.reduce(model, "tiny-gpt2", c, a.options(), r, List.of(), p -> {}, () -> false);
        } finally {
            if (sae != null) {
                sae.close();
            }
        }
        assertEquals(here.info().tokens(), shown.info().tokens(), task);
        assertEquals(here.info().windows(), shown.info().windows(), task);
        assertEquals(here.info().documents(), shown.info().documents(), task);
        assertTrue(shown.info().where().startsWith("spark local["), shown.info().where());
        same(GSON.toJsonTree(here.sums()), GSON.toJsonTree(shown.sums()), task);
    }

    @Test
    void everyTaskOnLocal2EqualsInProcessAndLocal1Too() throws IOException {
        try (JavaSparkContext sc = context("local[2]")) {
            List<String> tasks = tasks();
            for (int i = 0; i < tasks.size(); i++) {
                String task = tasks.get(i);
                Path out = tmp.resolve("out-" + i + ".json");
                CorpusResult r = CorpusJob.run(sc, CorpusJob.parse(args(task, out.toString())));
                assertTrue(r.info().tokens() > 0 && r.info().where().contains("4 parts"), r.info().describe());
                assertTrue(Files.exists(tmp.resolve("out-" + i + ".csv")), task);
                if (task.contains("--sae")) {
                    CorpusFeatures.Result f = (CorpusFeatures.Result) r;
                    assertTrue(f.sums().describe().startsWith("SAE features of ") && Arrays.stream(f.sums().fires()).sum() > 0,
                            f.sums().describe());
                }
                sameAsInProcess(task, out);
            }
        }
        try (JavaSparkContext sc = context("local[1]")) {
            Path out = tmp.resolve("one.json");
            CorpusJob.run(sc, CorpusJob.parse(args("attention", out.toString())));
            sameAsInProcess("attention", out);
        }
    }

    @Test
    void badArgumentsAreOneLine() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CorpusJob.parse(new String[] {"attention", "--corpus", "x"}));
        assertEquals("missing --model", e.getMessage());
        IllegalArgumentException sae = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CorpusJob.parse(args("features --sae " + tmp.resolve("no-such-sae"), tmp.resolve("x.json").toString())));
        assertTrue(sae.getMessage().startsWith("--sae: ") && sae.getMessage().contains("no-such-sae"), sae.getMessage());
    }

    /** Equal trees: integers exactly, other numbers within 1e-9 relative. */
    static void same(JsonElement a, JsonElement b, String where) {
        if (a.isJsonObject()) {
            assertEquals(a.getAsJsonObject().keySet(), b.getAsJsonObject().keySet(), where);
            for (String k : a.getAsJsonObject().keySet()) {
                same(a.getAsJsonObject().get(k), b.getAsJsonObject().get(k), where + "." + k);
            }
        } else if (a.isJsonArray()) {
            assertEquals(a.getAsJsonArray().size(), b.getAsJsonArray().size(), where);
            for (int i = 0; i < a.getAsJsonArray().size(); i++) {
                same(a.getAsJsonArray().get(i), b.getAsJsonArray().get(i), where + "[" + i + "]");
            }
        } else if (a.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber()) {
            String sa = a.getAsString();
            String sb = b.getAsString();
            if (sa.matches("-?\\d+") && sb.matches("-?\\d+")) {
                assertEquals(sa, sb, where);
            } else {
                double x = a.getAsDouble();
                double y = b.getAsDouble();
                assertTrue(x == y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)), where + ": " + x + " vs " + y);
            }
        } else {
            assertEquals(a, b, where);
        }
    }
}
