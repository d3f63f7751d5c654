package jlens.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jlens.Fixture;
import jlens.SaeFixtures;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.HeadDetector;
import jlens.analysis.LogitLens;
import jlens.analysis.LogitLensResult;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.sae.Sae;
import jlens.sae.SaeFeatures;
import jlens.sae.SaeSplice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each corpus reduction against its definition computed one window at a time, in float64, from single runs of the
 * model (the batched pass and the engine-side scoring are the fast path; these are the oracle). The features of an SAE
 * (relu in the older layout, jumprelu and topk in SAELens 6's, at three hooks) are held to the SAE studies' own path.
 */
class CorpusReductionsTest {
    static Gpt2 model;
    static Path dir;
    static Corpus corpus;
    static final CorpusOptions OPTIONS = CorpusOptions.defaults().withWindow(16).withGroup(4).withBatch(3);
    static List<Window> windows;

    @BeforeAll
    static void load() throws IOException {
        model = Gpt2.load(Fixture.dir());
        dir = Files.createTempDirectory("jlens-corpus-reductions");
        List<String> docs = CorpusReaderTest.docs(11, 30);
        docs.add("the cat sat on the mat and the cat sat on the mat and the cat sat on the mat");
        corpus = Corpus.open(Files.writeString(dir.resolve("c.txt"), String.join("\n", docs)), CorpusOptions.Documents.AUTO);
        windows = new ArrayList<>();
        try (CorpusWindows w = CorpusWindows.open(corpus, OPTIONS, model.tokenizer(), 64, () -> false)) {
            w.forEachRemaining(windows::add);
        }
        assertTrue(windows.size() >= 10, "windows: " + windows.size());
    }

    @AfterAll
    static void close() throws IOException {
        model.close();
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static <S extends CorpusSums<S>> CorpusResult reduce(CorpusReduction<S> r) {
        return CorpusRunner.reduce(model, "fixture", corpus, OPTIONS, r, List.of(), p -> {}, () -> false);
    }

    /** The activation at {@code hook} of one window alone, as doubles {@code [T * width]}. */
    static double[] single(Window w, String hook) {
        try (Gpt2.Run run = model.run(w.ids(), List.of(hook))) {
            NDArray a = run.cache().get(hook);
            float[] f = a.toFloatArray();
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
            return out;
        }
    }

    static void close(double expected, double actual, double tol, String what) {
        assertTrue(Math.abs(expected - actual) <= tol * Math.max(1, Math.abs(expected)), what + ": expected " + expected + ", got " + actual);
    }

    @Test
    void statsAreTheMeansVariancesAndCountsOfEveryToken() {
        List<String> hooks = List.of(HookPoint.block(0, HookPoint.Q), HookPoint.block(2, HookPoint.RESID_POST));
        CorpusStats.Result r = (CorpusStats.Result) reduce(new CorpusStats(hooks, -1, 1, 10));
        assertEquals(windows.size() * 16L, r.info().tokens());
        for (String hook : hooks) {
            CorpusStats.HookSums h = r.of(hook);
            int w = h.mean().length;
            double[] sum = new double[w];
            List<double[]> all = new ArrayList<>();
            long[] hist = new long[10];
            for (Window win : windows) {
                double[] x = single(win, hook);
                all.add(x);
                for (int i = 0; i < x.length; i++) {
                    sum[i % w] += x[i];
                    if (x[i] >= -1 && x[i] <= 1) {
                        hist[Math.min(9, (int) ((x[i] + 1) * 5))]++;
                    }
                }
            }
            long n = windows.size() * 16L;
            double total = 0;
            for (int i = 0; i < w; i++) {
                total += sum[i];
                close(sum[i] / n, h.mean()[i], 1e-4, hook + " mean " + i);
            }
            double allMean = total / (n * w);
            double[] ss = new double[w];
            double allSs = 0;
            for (double[] x : all) {
                for (int i = 0; i < x.length; i++) {
                    double d = x[i] - sum[i % w] / n;
                    ss[i % w] += d * d;
                    allSs += (x[i] - allMean) * (x[i] - allMean);
                }
            }
            for (int i = 0; i < w; i++) {
                close(ss[i] / (n - 1), h.variance()[i], 1e-4, hook + " variance " + i);
            }
            close(allMean, h.all().mean(), 1e-4, hook + " mean of all");
            close(allSs / (n * w - 1), h.all().variance(), 1e-4, hook + " variance of all");
            long counted = 0;
            for (int b = 0; b < 10; b++) {
                assertTrue(Math.abs(hist[b] - h.histogram()[b]) <= 2, hook + " bin " + b + ": " + hist[b] + " vs " + h.histogram()[b]);
                counted += h.histogram()[b];
            }
            assertEquals(n * w, counted + h.below() + h.above() + h.nan(), "every value counted once");
        }
    }

    @Test
    void attentionIsEachHeadsMeanOverQueriesAfterTheFirst() {
        CorpusAttention.Result r = (CorpusAttention.Result) reduce(new CorpusAttention());
        int nh = model.config().nHead();
        for (int l = 0; l < model.config().nLayer(); l++) {
            double[] first = new double[nh];
            double[] prev = new double[nh];
            double[] ent = new double[nh];
            long q = 0;
            for (Window w : windows) {
                double[] p = single(w, HookPoint.block(l, HookPoint.PATTERN)); // [1, NH, T, T]
                for (int h = 0; h < nh; h++) {
                    for (int i = 1; i < 16; i++) {
                        int row = (h * 16 + i) * 16;
                        first[h] += p[row];
                        prev[h] += p[row + i - 1];
                        for (int j = 0; j <= i; j++) {
                            ent[h] -= p[row + j] > 0 ? p[row + j] * Math.log(p[row + j]) : 0;
                        }
                    }
                }
                q += 15;
            }
            for (int h = 0; h < nh; h++) {
                close(first[h] / q, r.first()[l][h], 1e-4, "first " + l + "." + h);
                close(prev[h] / q, r.previous()[l][h], 1e-4, "previous " + l + "." + h);
                close(ent[h] / q, r.entropy()[l][h], 1e-4, "entropy " + l + "." + h);
            }
        }
    }

    @Test
    void detectionIsTheDetectorsMeanOverWindows() {
        for (HeadDetectKind kind : HeadDetectKind.values()) {
            for (boolean ex : new boolean[] {false, true}) {
                CorpusDetect.Result r = (CorpusDetect.Result) reduce(new CorpusDetect(kind, ex, ex));
                HeadDetectResult oracle = HeadDetector.detect(model, windows.stream().map(Window::ids).toList(), kind, ex, ex);
                for (int l = 0; l < oracle.nLayer(); l++) {
                    for (int h = 0; h < oracle.nHead(); h++) {
                        close(oracle.score(l, h), r.detection().score(l, h), 1e-4, kind.label() + " " + ex + " " + l + "." + h);
                    }
                }
                assertEquals(windows.size(), r.detection().prompts());
            }
        }
    }

    @Test
    void theLensAgreesWithTheLensAtEveryPosition() {
        CorpusLens.Result r = (CorpusLens.Result) CorpusRunner.reduce(model, "fixture", corpus, OPTIONS.withMaxTokens(4 * 16),
                new CorpusLens(), List.of(), p -> {}, () -> false); // the first four windows
        int rows = model.config().nLayer() + 1;
        long[] agree = new long[rows];
        double[] lp = new double[rows];
        long positions = 0;
        for (Window w : windows.subList(0, 4)) {
            for (int p = 0; p < 15; p++) {
                LogitLensResult one = LogitLens.compute(model, w.ids(), p, -1, p, p);
                for (int row = 0; row < rows; row++) {
                    agree[row] += one.top1Id()[row] == one.top1Id()[rows - 1] ? 1 : 0;
                    lp[row] += one.logprobTarget()[row];
                }
                positions++;
            }
        }
        assertEquals(positions, r.sums().positions());
        for (int row = 0; row < rows; row++) {
            assertTrue(Math.abs(agree[row] - r.sums().agree()[row]) <= 1, "row " + row + " agreement " + agree[row] + " vs " + r.sums().agree()[row]);
            close(lp[row] / positions, r.meanLogprob()[row], 1e-4, "row " + row + " log-prob");
        }
        assertEquals(1.0, r.agreement()[rows - 1]);
    }

    @Test
    void featuresCountFiringsAndKeepTheBestContexts() {
        CorpusFeatures.Result r = (CorpusFeatures.Result) reduce(new CorpusFeatures(new FeatureFunction.Neurons(1), 4, 3, 1));
        String hook = HookPoint.block(1, HookPoint.MLP_POST);
        int f = 4 * model.config().nEmbd();
        long[] fires = new long[f];
        List<List<double[]>> values = new ArrayList<>(); // per feature: (value, window ordinal, position)
        for (int i = 0; i < f; i++) {
            values.add(new ArrayList<>());
        }
        for (int wi = 0; wi < windows.size(); wi++) {
            double[] x = single(windows.get(wi), hook);
            for (int i = 0; i < x.length; i++) {
                if (x[i] > 0) {
                    fires[i % f]++;
                    values.get(i % f).add(new double[] {x[i], wi, i / f});
                }
            }
        }
        for (int i = 0; i < f; i++) {
            assertTrue(Math.abs(fires[i] - r.sums().fires()[i]) <= 1, "feature " + i + " fires " + fires[i] + " vs " + r.sums().fires()[i]);
            List<double[]> v = values.get(i);
            v.sort((a, b) -> Double.compare(b[0], a[0]));
            List<CorpusFeatures.Context> top = r.sums().top().get(i);
            assertEquals(Math.min(4, v.size()), top.size(), "feature " + i);
            for (int k = 0; k < top.size(); k++) {
                close(v.get(k)[0], top.get(k).value(), 1e-4, "feature " + i + " top " + k);
                Window w = windows.get((int) v.get(k)[1]);
                CorpusFeatures.Context c = top.get(k);
                if (Math.abs(v.get(k)[0] - (k + 1 < v.size() ? v.get(k + 1)[0] : -1)) > 1e-4) { // no near-tie: the same token
                    assertEquals(w.id((int) v.get(k)[2]), c.context()[c.at()], "feature " + i + " top " + k + " token");
                }
            }
        }
    }

    /** Ctrl-C after the first batch: the result is that batch's, marked incomplete, not nothing and not the whole. */
    @Test
    void ctrlCKeepsWhatWasReduced() {
        boolean[] stop = {false};
        CorpusResult cut = CorpusRunner.reduce(model, "fixture", corpus, OPTIONS, new CorpusAttention(), List.of(), p -> stop[0] = true,
                () -> stop[0]);
        CorpusResult whole = reduce(new CorpusAttention());
        assertTrue(whole.info().complete() && !cut.info().complete(), "only the cut run is incomplete");
        assertTrue(cut.info().windows() >= 1 && cut.info().windows() <= 3 && cut.info().windows() < whole.info().windows(),
                cut.info().windows() + " of " + whole.info().windows() + " windows");
        assertEquals(cut.info().windows() * 16, cut.info().tokens());
        assertEquals(cut.info().windows() * 15, ((CorpusAttention.Result) cut).sums().queries(), "the first batch's queries are kept");
    }

    @Test
    void everyFixtureSaesFeaturesAreItsEncoderOnEveryToken() {
        for (String name : SaeFixtures.NAMES) {
            try (Sae sae = Sae.load(SaeFixtures.dir(name), name, model.device(), Double.NaN)) {
                check(sae, 3);
            }
        }
    }

    /**
     * {@code corpus features} with an SAE against its definition from the SAE studies' own path: each window alone
     * through {@link SaeFeatures#of} (the pass up to the SAE's hook and its encoder), counted and sorted in float64.
     */
    private static void check(Sae sae, int k) {
        CorpusFeatures.Result r = (CorpusFeatures.Result) CorpusRunner.reduce(model, "fixture", corpus, OPTIONS,
                new CorpusFeatures(new FeatureFunction.SaeEncoder(sae), k, 3, 1), List.of(), p -> {}, () -> false);
        int f = sae.dSae();
        assertEquals(f, r.sums().features(), sae.name());
        assertTrue(r.sums().describe().contains(sae.name()) && r.sums().describe().contains(sae.hook()), r.sums().describe());
        long[] fires = new long[f];
        double[] active = new double[f];
        List<List<double[]>> values = new ArrayList<>(); // per feature: (value, window ordinal, position)
        for (int i = 0; i < f; i++) {
            values.add(new ArrayList<>());
        }
        long tokens = 0;
        for (int wi = 0; wi < windows.size(); wi++) {
            float[] acts = SaeFeatures.of(model, windows.get(wi).ids(), SaeSplice.off(sae), List.of(), () -> {}).acts(); // [T, F]
            tokens += acts.length / f;
            for (int i = 0; i < acts.length; i++) {
                if (acts[i] > 0) {
                    fires[i % f]++;
                    active[i % f] += acts[i];
                    values.get(i % f).add(new double[] {acts[i], wi, i / f});
                }
            }
        }
        assertEquals(tokens, r.sums().tokens(), sae.name());
        long fired = 0;
        for (int i = 0; i < f; i++) {
            String what = sae.name() + " feature " + i;
            assertTrue(Math.abs(fires[i] - r.sums().fires()[i]) <= 1, what + " fires " + fires[i] + " vs " + r.sums().fires()[i]);
            fired += fires[i];
            if (fires[i] == r.sums().fires()[i] && fires[i] > 0) {
                close(active[i] / fires[i], r.meanActive()[i], 1e-4, what + " mean when firing");
                close((double) fires[i] / tokens, r.frequency()[i], 1e-12, what + " frequency");
            }
            List<double[]> v = values.get(i);
            v.sort((a, b) -> Double.compare(b[0], a[0]));
            List<CorpusFeatures.Context> top = r.sums().top().get(i);
            assertTrue(Math.abs(Math.min(k, v.size()) - top.size()) <= 1, what + " contexts");
            for (int j = 0; j < Math.min(top.size(), v.size()); j++) {
                close(v.get(j)[0], top.get(j).value(), 1e-4, what + " top " + j);
                CorpusFeatures.Context c = top.get(j);
                if (Math.abs(v.get(j)[0] - (j + 1 < v.size() ? v.get(j + 1)[0] : -1)) > 1e-4) { // no near-tie: the same token
                    assertEquals(windows.get((int) v.get(j)[1]).id((int) v.get(j)[2]), c.context()[c.at()], what + " top " + j + " token");
                }
            }
        }
        assertTrue(fired > 0, sae.name() + ": no feature fired on the corpus");
    }

    @Test
    void anSaeNotLoadedHereIsBoundBeforeItRuns() {
        FeatureFunction.SaeEncoder travelling = FeatureFunction.SaeEncoder.at(SaeFixtures.dir("topk-v6"), Double.NaN);
        assertTrue(!travelling.bound() && travelling.hook().equals("blocks.2.hook_mlp_out"), travelling.describe());
        CorpusFeatures task = new CorpusFeatures(travelling, 3, 3, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CorpusRunner.reduce(model, "fixture", corpus,
                OPTIONS, task, List.of(), p -> {}, () -> false));
        assertTrue(e.getMessage().contains("not loaded here"), e.getMessage());
        try (Sae sae = travelling.load(model.device())) {
            FeatureFunction.SaeEncoder bound = travelling.on(sae);
            assertEquals(new FeatureFunction.SaeEncoder(sae).describe(), bound.describe());
            check(sae, 2);
        }
        try (Sae other = Sae.load(SaeFixtures.dir("relu-pre6"), "relu-pre6", model.device(), Double.NaN)) {
            assertThrows(IllegalArgumentException.class, () -> travelling.on(other));
        }
    }
}
