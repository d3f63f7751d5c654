package jlens.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jlens.Fixture;
import jlens.SaeFixtures;
import jlens.model.Gpt2;
import jlens.sae.Sae;
import jlens.sae.SaeFeatures;
import jlens.sae.SaeSplice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code corpus features} with an SAE (relu in the older layout, jumprelu and topk in SAELens 6's, at three hooks)
 * against its definition from the SAE studies' own path: each window alone through {@link SaeFeatures#of} (the pass up
 * to the SAE's hook and its encoder), counted and sorted here in float64.
 */
class CorpusSaeFeaturesTest {
    static Gpt2 model;
    static Path dir;
    static Corpus corpus;
    static final CorpusOptions OPTIONS = CorpusOptions.defaults().withWindow(16).withGroup(4).withBatch(3);
    static List<Window> windows;

    @BeforeAll
    static void load() throws IOException {
        model = Gpt2.load(Fixture.dir());
        dir = Files.createTempDirectory("jlens-corpus-sae");
        List<String> docs = CorpusReaderTest.docs(13, 30);
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

    @Test
    void everyFixtureSaesFeaturesAreItsEncoderOnEveryToken() {
        for (String name : SaeFixtures.NAMES) {
            try (Sae sae = Sae.load(SaeFixtures.dir(name), name, model.device(), Double.NaN)) {
                check(sae, 3);
            }
        }
    }

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
                CorpusReductionsTest.close(active[i] / fires[i], r.meanActive()[i], 1e-4, what + " mean when firing");
                CorpusReductionsTest.close((double) fires[i] / tokens, r.frequency()[i], 1e-12, what + " frequency");
            }
            List<double[]> v = values.get(i);
            v.sort((a, b) -> Double.compare(b[0], a[0]));
            List<CorpusFeatures.Context> top = r.sums().top().get(i);
            assertTrue(Math.abs(Math.min(k, v.size()) - top.size()) <= 1, what + " contexts");
            for (int j = 0; j < Math.min(top.size(), v.size()); j++) {
                CorpusReductionsTest.close(v.get(j)[0], top.get(j).value(), 1e-4, what + " top " + j);
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
