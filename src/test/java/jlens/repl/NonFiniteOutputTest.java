package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import jlens.Fixture;
import jlens.model.CheckpointFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NaN and infinities in a model's activations are said, and drawn as missing, by ablate, pattern, qkt and the
 * saved histograms: never a line at an invented 0, an empty chart on an invented scale, or zero densities over an
 * invented range. Non-finite activations come from a hook that writes NaN during the run, or, for the sweeps
 * (which refuse a hooked model), from value weights that are NaN.
 */
class NonFiniteOutputTest {
    @TempDir
    Path tmp;

    /** The hook of {@link #runWith}: open for the test, since the workspace serves a run only with the hooks it ran with. */
    private jlens.hook.Hooks.Scope hooked;

    @AfterEach
    void removeHook() {
        if (hooked != null) {
            hooked.close();
        }
    }

    /** A session whose last run captured every layer's c_attn output and layer 1's pattern, with {@code hook} applied. */
    private TestSessions.Buffered runWith(String hookPoint, jlens.hook.Hook hook) {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "hook pattern1", "hook pattern0");
        hooked = TestSessions.model().hooks().scope();
        hooked.add(hookPoint, hook);
        b.exec("run");
        b.take();
        return b;
    }

    /** {@code a} with the slice {@code index} set to NaN (a copy: the pass's own array is left alone). */
    private static NDArray withNan(NDArray a, String index) {
        NDArray b = a.duplicate();
        b.set(new NDIndex(index), Float.NaN);
        return b;
    }

    @Test
    void ablateSaysANonFiniteCleanValueAndLeavesNonFiniteCellsOut() throws Exception {
        // head 1 of the last layer has NaN values: the clean prediction is NaN; zeroing that head at the prediction
        // position gives it back; every other ablation stays NaN
        int last = TestSessions.model().config().nLayer() - 1;
        Path nan = CheckpointFiles.nanHead(Fixture.dir(), tmp.resolve("nan-last"), last, 1);
        TestSessions.Buffered b = TestSessions.session().exec("load " + nan, TestSessions.textLine());
        b.take();
        String line = b.exec("ablate head 1 token -2").take();
        assertTrue(line.contains("clean log-prob is nan: the unablated model's logits"), line);
        assertFalse(line.contains("clean nan"), "no clean line drawn at an invented 0: " + line);
        assertTrue(line.contains(last + " of " + (last + 1) + " ablated log-probs are NaN or infinite: missing points"), line);
        assertTrue(b.session().lastChart() instanceof jlens.chart.LinePlot plot && plot.referenceLines().isEmpty());
        String grid = b.exec("ablate head all token -2").take();
        int cells = (last + 1) * TestSessions.model().config().nHead();
        assertTrue(grid.contains((cells - 1) + " of " + cells + " ablated log-probs are NaN or infinite: blank cells"), grid);
        assertTrue(grid.contains("log-prob of") && !grid.contains("change in log-prob"), "the values themselves, not a change from NaN: " + grid);
        // nothing finite at all: said, nothing drawn, and no older chart left for 'save X.png'
        Path nanFirst = CheckpointFiles.nanHead(Fixture.dir(), tmp.resolve("nan-first"), 0, 1);
        b.exec("load " + nanFirst, TestSessions.textLine(), "hook layer all", "run", "hist 0").take();
        String none = b.exec("ablate head 1 token -2").take();
        assertTrue(none.contains("no ablated log-prob is finite: nothing to draw"), none);
        UserError e = assertThrows(UserError.class, () -> b.exec("save " + tmp.resolve("old.png")));
        assertTrue(e.getMessage().contains("nothing drawn yet"), e.getMessage());
    }

    @Test
    void patternSaysWhichHeadsAreNotFinite() {
        TestSessions.Buffered b = runWith("blocks.1.attn.hook_pattern", (name, a) -> withNan(a, ":, 2"));
        String all = b.exec("pattern 1").take();
        int t = b.session().workspace().ids().length;
        assertTrue(all.contains("not finite (blank cells; NaN or infinite weights, the layer's activations are not finite): head 2 ("
                + t * t + " of " + t * t + ")"), all);
        String note = all.lines().filter(l -> l.startsWith("not finite")).findFirst().orElseThrow();
        assertFalse(note.contains("head 0") || note.contains("head 1") || note.contains("head 3"), "only head 2 is not finite: " + note);
        String one = b.exec("pattern 1 2").take();
        assertTrue(one.contains("not finite (blank cells): head 2 (" + t * t + " of " + t * t + " weights"), one);
        String zero = b.exec("pattern 0").take();
        assertFalse(zero.contains("not finite"), "layer 0 is finite: " + zero);
    }

    @Test
    void qktOfNoFiniteValueIsSaidNotDrawnOnAnInventedScale() {
        TestSessions.Buffered b = runWith("blocks.1.attn.hook_qkv", (name, a) -> a.mul(Float.NaN));
        b.exec("hist 0").take(); // a chart that an empty qkt must not leave behind for 'save' and 'view'
        String out = b.exec("qkt 1").take();
        assertTrue(out.contains("layer 1: every one of the") && out.contains("values of QK^T is NaN or infinite")
                && out.contains("nothing to draw"), out);
        assertEquals(null, b.session().lastChart(), "no empty heatmap on a 0..1 scale");
        String all = b.exec("qkt all").take();
        assertTrue(all.contains("layer 1 QK^T: ") && all.contains("no finite value: no curve"), all);
        assertFalse(all.contains("layer 0 QK^T"), all);
    }

    @Test
    void qktWithSomeNonFiniteValuesTakesItsScaleFromTheFiniteOnes() {
        TestSessions.Buffered b = runWith("blocks.1.attn.hook_qkv", (name, a) -> withNan(a, ":, 3, :"));
        String out = b.exec("qkt 1").take();
        int n = b.session().workspace().ids().length - 1; // positions 1..T-1
        int bad = 2 * n - 1; // position 3's row and column
        assertTrue(out.contains(bad + " of the " + n * n + " values are NaN or infinite: blank cells"), out);
        var map = (jlens.chart.SmallMultiples) b.session().lastChart();
        assertTrue(map != null, out);
        jlens.analysis.FullWidthQkt.Layer m = b.session().workspace().lastResult(jlens.analysis.FullWidthQkt.Layer.class);
        assertEquals(bad, m.nonFinite());
    }

    @Test
    void savedHistogramsOfNanLayersWriteNanNotInventedZerosOrRanges() throws Exception {
        TestSessions.Buffered b = runWith("blocks.1.attn.hook_qkv", (name, a) -> a.mul(Float.NaN));
        b.exec("hist 1").take();
        Path csv = tmp.resolve("h1.csv");
        String said = b.exec("save " + csv).take();
        assertTrue(said.contains("non-finite values: Q: ") && said.contains("no finite one: edges and densities nan"), said);
        List<String> rows = Files.readAllLines(csv);
        assertEquals("bin,q_bin_left,q_bin_right,q,k_bin_left,k_bin_right,k,v_bin_left,v_bin_right,v", rows.get(0));
        for (String row : rows.subList(1, rows.size())) {
            String[] cells = row.split(",");
            for (int c = 1; c < cells.length; c++) {
                assertEquals("nan", cells[c], "an invented number in " + row);
            }
        }
        Path json = tmp.resolve("h1.json");
        b.exec("save " + json);
        var q = com.google.gson.JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("result")
                .getAsJsonObject("q");
        assertTrue(q.get("nan").getAsLong() > 0, q.toString());
        assertEquals(0, q.get("inRange").getAsLong());
        assertTrue(q.getAsJsonArray("edges").get(0).getAsString().equals("NaN"), "no invented [0, 1]: " + q.get("edges"));
        // every layer on [-5, 5]: layer 1's rows are NaN in the .npy and the .csv, layer 0's are real densities
        b.exec("hist all").take();
        Path npy = tmp.resolve("all.npy");
        String saved = b.exec("save " + npy).take();
        assertTrue(saved.contains("layer 1 Q: ") && saved.contains("none counted: densities nan"), saved);
        assertTrue(Files.size(npy) > 0);
        double[] flat = b.session().lastResult().array().f64();
        int bins = 100;
        int layers = TestSessions.model().config().nLayer();
        double[] layer1Q = Arrays.copyOfRange(flat, bins, 2 * bins);
        double[] layer0Q = Arrays.copyOfRange(flat, 0, bins);
        assertTrue(Arrays.stream(layer1Q).allMatch(Double::isNaN), "zero densities invented for a NaN layer");
        assertTrue(Arrays.stream(layer0Q).allMatch(Double::isFinite) && Arrays.stream(layer0Q).sum() > 0);
        assertEquals(3 * layers * bins, flat.length);
    }

    /**
     * A model whose logits are NaN: {@code generate}, greedy or sampled, says so in one line and prints no token picked
     * from them (greedy printed "!!!!!" and exited 0; sampling died with an ArrayIndexOutOfBoundsException).
     */
    @Test
    void generationFromNanLogitsIsRefusedInOneLine() throws Exception {
        int last = TestSessions.model().config().nLayer() - 1;
        Path nan = CheckpointFiles.nanHead(Fixture.dir(), tmp.resolve("nan-last"), last, 1);
        TestSessions.Buffered b = TestSessions.session().exec("load " + nan, TestSessions.textLine());
        b.take();
        for (String line : new String[] {"generate 5", "generate 5 sample seed 1", "generate 5 sample top-k 3 seed 2"}) {
            UserError e = assertThrows(UserError.class, () -> b.exec(line), line);
            assertTrue(e.getMessage().contains("not finite") && !e.getMessage().contains("internal error"), e.getMessage());
            String out = b.take();
            assertFalse(out.contains("!"), line + " printed a token picked from NaN: " + out);
        }
    }
}
