package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import jlens.analysis.NdData;
import jlens.analysis.Npy;
import jlens.corpus.CorpusAttention;
import jlens.corpus.CorpusFeatures;
import jlens.corpus.CorpusResult;
import jlens.corpus.CorpusStats;
import jlens.hook.HookPoint;
import jlens.intervene.Intervention;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corpus} as a user meets it: open a corpus, run each reduction, save it in every format, read it back with
 * {@code corpus show} (the same numbers), the means as .npy for mean ablation, and one-line refusals.
 */
class CorpusCommandsTest {
    @TempDir
    Path tmp;

    Path corpus() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            b.append("When Mary and John went to the store, John gave a drink to Mary number ").append(i).append('\n');
        }
        return Files.writeString(tmp.resolve("small.txt"), b.toString());
    }

    @Test
    void openRunSaveAndShowAgain() throws Exception {
        var t = TestSessions.session();
        t.exec("corpus " + corpus() + " --window 16 --tokens 320");
        String opened = t.take();
        assertTrue(opened.contains("corpus small.txt: 1 file (text lines)"), opened);
        assertTrue(opened.contains("windows of 16 tokens (BOS first), groups of 1000 documents, batches of 256 windows"), opened);
        t.exec("corpus attention");
        String out = t.take();
        assertTrue(out.contains("attention of tiny-gpt2 over 320 tokens (20 windows of 16, BOS first)"), out);
        assertTrue(out.contains("to the previous token"), out);
        CorpusAttention.Result first = (CorpusAttention.Result) t.session().workspace().lastResult();
        Path json = tmp.resolve("att.json");
        t.exec("save " + json, "save " + tmp.resolve("att.csv"), "save " + tmp.resolve("att.npy"));
        t.take();
        t.exec("corpus show " + json);
        String shown = t.take();
        assertTrue(shown.contains("attention of tiny-gpt2 over 320 tokens"), shown);
        CorpusAttention.Result again = (CorpusAttention.Result) t.session().workspace().lastResult();
        assertArrayEquals(first.sums().first(), again.sums().first());
        assertArrayEquals(first.sums().entropy(), again.sums().entropy());
        NdData npy = Npy.readFloats(tmp.resolve("att.npy"));
        assertArrayEquals(new long[] {3, 3, 4}, npy.shape());
        assertEquals(13, Files.readAllLines(tmp.resolve("att.csv")).size(), "a header and 12 heads");
    }

    @Test
    void statsMeansSaveAsNpyForMeanAblation() throws Exception {
        var t = TestSessions.session();
        t.exec("corpus " + corpus() + " --window 16 --tokens 160", "corpus stats z");
        String out = t.take();
        assertTrue(out.contains("blocks.2.attn.hook_z"), out);
        CorpusStats.Result r = (CorpusStats.Result) t.session().workspace().lastResult();
        assertEquals(160, r.sums().tokens());
        t.exec("save " + tmp.resolve("z.npy"));
        NdData z = Npy.readFloats(tmp.resolve("z.npy"));
        assertArrayEquals(new long[] {3, 4, 8}, z.shape());
        assertEquals((float) r.of(HookPoint.block(1, HookPoint.Z)).mean()[5], z.f32()[32 + 5]);
        Intervention ablate = r.ablation(HookPoint.block(1, HookPoint.Z), 2);
        ablate.check(t.session().workspace().config());
        t.exec("corpus detect previous-token", "corpus lens");
        String more = t.take();
        assertTrue(more.contains("previous-token score by layer and head, mean over 10 windows"), more);
        assertTrue(more.contains("top = final"), more);
    }

    @Test
    void featuresAndTheirContexts() throws Exception {
        var t = TestSessions.session();
        t.exec("corpus " + corpus() + " --window 16 --tokens 160", "corpus features 1 --k 3");
        String out = t.take();
        assertTrue(out.contains("MLP neurons of layer 1: 128 features over 160 tokens"), out);
        CorpusFeatures.Result r = (CorpusFeatures.Result) t.session().workspace().lastResult();
        int f = 0;
        while (r.sums().top().get(f).isEmpty()) {
            f++;
        }
        t.exec("corpus feature " + f);
        String ctx = t.take();
        assertTrue(ctx.contains("feature " + f + " of MLP neurons of layer 1") && ctx.contains("["), ctx);
    }

    /**
     * With an SAE loaded, {@code corpus features} means its features. On the known-answer model its SAE's feature t is
     * "the current token is t" (t below 8192), so each feature's counts and contexts follow from the corpus's tokens
     * alone: feature t fires at most where token t stands (from position 2 on, exactly there), and every top context
     * of it is token t. Saved and shown again, the same numbers.
     */
    @Test
    void withAnSaeLoadedFeaturesAreItsFeatures() throws Exception {
        var t = TestSessions.session().exec("load known", "sae load known");
        t.take();
        t.exec("corpus " + corpus() + " --window 32 --tokens 320", "corpus features --k 4");
        String out = t.take();
        assertTrue(out.contains("SAE features of known (jumprelu at blocks.1.hook_resid_pre): 16384 features over 320 tokens"), out);
        CorpusFeatures.Result r = (CorpusFeatures.Result) t.session().workspace().lastResult();
        long[] everywhere = new long[8192];
        long[] fromTwo = new long[8192];
        try (var w = jlens.corpus.CorpusWindows.open(t.session().workspace().corpus().get(), t.session().workspace().corpus().options(),
                t.session().workspace().model().tokenizer(), 1024, () -> false)) {
            w.forEachRemaining(win -> {
                for (int p = 0; p < win.ids().length; p++) {
                    int id = (int) win.ids()[p];
                    if (id < 8192) {
                        everywhere[id]++;
                        fromTwo[id] += p >= 2 ? 1 : 0;
                    }
                }
            });
        }
        int seen = 0;
        for (int f = 0; f < 8192; f++) {
            long fires = r.sums().fires()[f];
            assertTrue(fires >= fromTwo[f] && fires <= everywhere[f], "feature " + f + " fires " + fires + ", token " + f + " stands "
                    + everywhere[f] + " times (" + fromTwo[f] + " from position 2)");
            for (CorpusFeatures.Context c : r.sums().top().get(f)) {
                assertEquals(f, c.context()[c.at()], "a top context of feature " + f);
            }
            seen += fromTwo[f] > 0 ? 1 : 0;
        }
        assertTrue(seen > 10, seen + " tokens seen");
        int went = (int) t.session().workspace().model().tokenizer().encode(" went")[0];
        t.exec("corpus feature " + went);
        String ctx = t.take();
        assertTrue(ctx.contains("feature " + went + " of SAE features of known") && ctx.contains("[·went]"), ctx);
        t.exec("corpus features 1 --k 2");
        assertTrue(t.take().contains("MLP neurons of layer 1: "), "a layer still means its MLP neurons");
        t.exec("corpus features");
        t.take();
        Path json = tmp.resolve("sae.json");
        t.exec("save " + json, "save " + tmp.resolve("sae.npy"), "save " + tmp.resolve("sae.csv"));
        t.take();
        t.exec("corpus show " + json);
        String shown = t.take();
        assertTrue(shown.contains("SAE features of known (jumprelu at blocks.1.hook_resid_pre): 16384 features over 320 tokens"), shown);
        CorpusFeatures.Result again = (CorpusFeatures.Result) t.session().workspace().lastResult();
        assertArrayEquals(r.sums().fires(), again.sums().fires());
        assertArrayEquals(r.meanActive(), again.meanActive());
        String header = new String(Files.readAllBytes(tmp.resolve("sae.npy")), java.nio.charset.StandardCharsets.ISO_8859_1).substring(0, 128);
        assertTrue(header.contains("'shape': (16384, 2)"), header); // frequency, mean when firing (NaN where it never fired)
        assertEquals(16385, Files.readAllLines(tmp.resolve("sae.csv")).size(), "a header and a row per feature");
    }

    @Test
    void refusalsAreOneLineAndChangeNothing() throws Exception {
        var t = TestSessions.session();
        Session s = t.session();
        assertThrows(UserError.class, () -> s.exec("corpus attention"));
        UserError missing = assertThrows(UserError.class, () -> s.exec("corpus " + tmp.resolve("nothing.txt")));
        assertTrue(missing.getMessage().contains("no such file or folder"), missing.getMessage());
        s.exec("corpus " + corpus() + " --window 16");
        assertThrows(UserError.class, () -> s.exec("corpus " + corpus() + " --window 100000"));
        assertTrue(s.workspace().corpus().options().window() == 16, "the corpus in use stays");
        UserError pattern = assertThrows(UserError.class, () -> s.exec("corpus stats pattern0"));
        assertTrue(pattern.getMessage().contains("'corpus attention' summarises patterns"), pattern.getMessage());
        assertThrows(UserError.class, () -> s.exec("corpus feature 3"));
        Path notResult = Files.writeString(tmp.resolve("x.json"), "{\"kind\": \"var\", \"result\": {}}");
        UserError show = assertThrows(UserError.class, () -> s.exec("corpus show " + notResult));
        assertTrue(show.getMessage().startsWith(notResult + ": not a corpus result"), show.getMessage());
        assertFalse(show.getMessage().contains("\n"));
        CorpusResult none = null;
        assertEquals(none, s.workspace().lastResult());
    }
}
