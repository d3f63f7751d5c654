package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import jlens.CircuitsReference;
import jlens.Fixture;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.analysis.LogitLensResult;
import jlens.intervene.PatchResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** corrupt, metric, patch, lens and dla from the REPL: output, conservation lines, saved files, one-line errors. */
class CircuitCommandsTest {
    private static final String CLEAN = "text \"After John and Mary went to the store, John gave a bottle of milk to\"";
    private static final String CORRUPT = "corrupt \"After John and Mary went to the store, Mary gave a bottle of milk to\"";

    @TempDir
    Path tmp;

    private static TestSessions.Buffered ioi() {
        return TestSessions.session().exec(CLEAN, CORRUPT, "metric logitdiff \" Mary\" \" John\"");
    }

    @Test
    void corruptAndMetricSayWhatTheySet() {
        TestSessions.Buffered b = TestSessions.session().exec(CLEAN, CORRUPT);
        String out = b.take();
        assertTrue(out.contains("16 tokens as the text; differs at position 9 \u00b7John -> \u00b7Mary"), out);
        b.exec("metric logitdiff \" Mary\" \" John\"");
        assertTrue(b.take().contains("metric logit[\" Mary\"] - logit[\" John\"] at position 15"));
        b.exec("metric logprob \" Mary\" pos -2");
        assertTrue(b.take().contains("metric log p(\" Mary\") at position 14"));
        b.exec("metric");
        assertTrue(b.take().contains("log p(\" Mary\") at position 14"));
    }

    @Test
    void patchResidPreMatchesTheReferenceAndSaves() throws Exception {
        TestSessions.Buffered b = ioi();
        b.take();
        b.exec("patch resid_pre");
        String out = b.take();
        assertTrue(out.contains("m_clean -6.4286") && out.contains("m_corrupt -5.9074"), out);
        assertTrue(out.contains("check: patching the text into itself gives m_clean in every cell (max |m - m_clean| 0)"), out);
        assertTrue(out.contains("patched resid_pre"), out);
        PatchResult r = (PatchResult) b.session().lastResult().value();
        double[][] expected = Fixture.matrix(CircuitsReference.patching().get("resid_pre"));
        for (int l = 0; l < expected.length; l++) {
            for (int p = 0; p < expected[l].length; p++) {
                assertEquals(expected[l][p], r.normalized(l, p), 1e-3);
            }
        }
        Path npy = tmp.resolve("p.npy");
        b.exec("save " + npy);
        assertArrayEquals(r.normalized(), NpyF64.read(npy, new long[] {3, 16}), 0.0);
        Path json = tmp.resolve("p.json");
        b.exec("save " + json);
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonObject result = o.getAsJsonObject("result");
        assertEquals(r.mClean(), result.get("mClean").getAsDouble(), 0.0);
        assertEquals(r.mCorrupt(), result.get("mCorrupt").getAsDouble(), 0.0);
        assertEquals(48, result.getAsJsonArray("raw").size());
        Path csv = tmp.resolve("p.csv");
        b.exec("save " + csv);
        assertTrue(Files.readString(csv).startsWith("layer,position,normalized,raw\n"));
        Path txt = tmp.resolve("p.txt");
        b.exec("save " + txt);
        assertTrue(Files.readString(txt).contains("\u00b7Jo"), Files.readString(txt));
    }

    @Test
    void aMetricTheCorruptionCannotReachDrawsNoGrid() {
        // The metric at position 5 comes before the texts differ (position 9): both runs give the same metric, so
        // (m - m_corrupt) / (m_clean - m_corrupt) is 0 / 0 in every cell; no blank grid on an invented scale.
        TestSessions.Buffered b = TestSessions.session().exec(CLEAN, CORRUPT, "metric logitdiff \" Mary\" \" John\" pos 5", "lens");
        b.take();
        String out = b.exec("patch resid_pre").take();
        assertTrue(out.contains("no change between clean and corrupt: the metric reads position 5, before the first token where the"
                + " texts differ (9)"), out);
        assertFalse(out.contains("the cells with the largest effect"), out);
        assertTrue(out.contains("check: patching the text into itself gives m_clean"), out);
        assertNull(b.session().lastChart(), "no chart, and no older one left for 'save X.png'");
        PatchResult r = (PatchResult) b.session().lastResult().value();
        assertTrue(java.util.Arrays.stream(r.normalized()).allMatch(Double::isNaN));
        assertTrue(java.util.Arrays.stream(r.raw()).allMatch(m -> m == r.mCorrupt()), "the raw metric is still there");
    }

    @Test
    void patchHeadsAndHeadsByPositionHaveTheirShapes() throws Exception {
        TestSessions.Buffered b = ioi();
        b.exec("patch heads");
        assertArrayEquals(new int[] {3, 4}, ((PatchResult) b.session().lastResult().value()).shape());
        b.exec("patch heads pos");
        assertArrayEquals(new int[] {3, 4, 16}, ((PatchResult) b.session().lastResult().value()).shape());
        Path npy = tmp.resolve("hp.npy");
        b.exec("save " + npy);
        assertEquals(3 * 4 * 16, NpyF64.read(npy, new long[] {3, 4, 16}).length);
    }

    @Test
    void approxShowsTheCorrelationWithTheExactGrid() {
        TestSessions.Buffered b = ioi();
        b.exec("patch mlp_out");
        b.take();
        b.exec("patch mlp_out --approx");
        String out = b.take();
        assertTrue(out.contains("correlation with the exact grid"), out);
        assertTrue(out.contains("estimated (attribution patching)"), out);
        b.exec("patch attn_out --approx");
        assertTrue(b.take().contains("'patch attn_out' computes the exact grid"));
    }

    @Test
    void lensMatchesTheReferenceAndSavesLogprobs() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        b.take();
        b.exec("lens");
        String out = b.take();
        assertTrue(out.contains("check: the last row equals the model's own log-probs"), out);
        assertTrue(out.contains("resid_pre 0") && out.contains("final"), out);
        LogitLensResult r = (LogitLensResult) b.session().lastResult().value();
        double[] expected = Fixture.vector(CircuitsReference.lens().get("logprob_target"));
        Path npy = tmp.resolve("lens.npy");
        b.exec("save " + npy);
        byte[] bytes = Files.readAllBytes(npy);
        int headerLen = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xffff;
        assertTrue(new String(bytes, 10, headerLen, java.nio.charset.StandardCharsets.US_ASCII).contains("'shape': (4,)"));
        double[] saved = new double[4];
        java.nio.ByteBuffer.wrap(bytes, 10 + headerLen, 32).order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(saved);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], saved[i], 1e-3);
        }
        assertEquals(28, r.position());
        assertTrue(!r.tableComplete() && r.tableTo() == 28 && r.top1IdTable()[0][0] == -1, "a screen's worth up to 28");
        assertTrue(out.contains("'lens ... --all' computes every position"), out);
        b.exec("lens -1 \" Mary\"");
        assertEquals(5335, ((LogitLensResult) b.session().lastResult().value()).target());
        b.exec("lens --all");
        LogitLensResult all = (LogitLensResult) b.session().lastResult().value();
        assertTrue(all.tableComplete());
        assertTrue(b.take().contains("'save lens.json' has every position"));
        assertArrayEquals(CircuitsReference.ints(CircuitsReference.lens().getAsJsonArray("top1_id_table").get(0).getAsJsonArray()),
                all.top1IdTable()[0]);
    }

    @Test
    void dlaAddsUpAndSavesPerHead() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        b.take();
        b.exec("dla -2 \" Mary\" - \" John\"");
        String out = b.take();
        assertTrue(out.contains("check: components + constant") && out.contains("the model's logit difference"), out);
        DirectLogitAttributionResult r = (DirectLogitAttributionResult) b.session().lastResult().value();
        double[][] expected = Fixture.matrix(CircuitsReference.dla().getAsJsonObject("logit_diff").get("per_head"));
        Path npy = tmp.resolve("dla.npy");
        b.exec("save " + npy);
        assertArrayEquals(Fixture.flatten(expected), NpyF64.read(npy, new long[] {3, 4}), 1e-4);
        assertEquals(r.logit(), r.total(), 1e-4);
        b.exec("dla");
        assertTrue(b.take().contains("(the real next token)"));
    }

    @Test
    void readmeCircuitsWalkthroughRuns() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int at = readme.indexOf("<!-- circuits walkthrough: run by CircuitCommandsTest -->");
        assertTrue(at >= 0, "README.md has no circuits walk-through");
        int open = readme.indexOf("```java\n", at);
        int close = readme.indexOf("\n```", open + 8);
        TestSessions.Buffered b = TestSessions.session();
        for (String line : readme.substring(open + 8, close).lines().filter(l -> !l.isBlank()).toList()) {
            b.exec(line); // a failing line throws: the README would be wrong
        }
        String out = b.take();
        assertTrue(out.contains("m_clean -6.4287, m_corrupt -5.9074, estimate vs exact r = "), out);
        assertTrue(b.session().workspace().lastResult() instanceof DirectLogitAttributionResult);
    }

    @Test
    void mistakesAreOneLineAndSayWhatToDo() {
        TestSessions.Buffered b = TestSessions.session().exec(CLEAN);
        assertError(b, "patch resid_pre", "no corrupted text yet; give one with corrupt");
        assertError(b, "corrupt \"After John and Mary went to the store\"", "the corrupted text has 8 tokens and the text 16");
        b.exec(CORRUPT);
        assertError(b, "patch resid_pre", "no metric yet; give one");
        assertError(b, "metric logitdiff \" Maryland\u001b\" \" John\"", "tokens (\" Maryland\" + ");
        assertError(b, "metric logitdiff \" Mary\"", "missing");
        assertError(b, "metric loss \" Mary\"", "use logitdiff A B or logprob TOKEN");
        assertError(b, "metric logprob \" Mary\" pos 40", "out of range");
        b.exec("metric logprob \" Mary\"");
        assertError(b, "patch resid", "use resid_pre, attn_out, mlp_out, heads or heads pos");
        assertError(b, "lens 99", "out of range");
        assertError(b, "lens -1", "no real next token");
        assertError(b, "dla \" Mary\" +", "give a token or a difference A - B");
        b.exec("text \"a b c\"");
        assertError(b, "patch heads", "the corrupted text has 16 tokens and the text 3");
    }

    private static void assertError(TestSessions.Buffered b, String line, String expected) {
        UserError e = assertThrows(UserError.class, () -> b.session().interpreter().run(line), line);
        assertTrue(e.getMessage().contains(expected), line + " said: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n") || e.getMessage().codePoints().anyMatch(Character::isISOControl), e.getMessage());
        b.take();
    }
}
