package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import jlens.Fixture;
import jlens.analysis.DirectLogitAttribution;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.hook.HookPoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TransformerLens's weight processing ({@code --process tl}) against what it must keep and what it must change, each
 * from its definition: every log-prob as the unprocessed model gives it (logits move by one constant per position);
 * a residual stream with zero mean over d_model at every hook point; LayerNorm weights 1 and biases 0; z without the
 * value bias (now in c_proj's bias); and direct logit attribution whose components still add up to the logit, and,
 * toward a logit difference, give the unprocessed model's MLPs, embeddings and per-layer attention totals.
 */
class TlProcessingTest {
    private static Gpt2 raw;
    private static Gpt2 tl;
    private static long[] ids;

    @BeforeAll
    static void load() {
        raw = Gpt2.load(Fixture.dir());
        tl = Gpt2.load(Fixture.dir(), Gpt2.LoadOptions.cpu().withProcessing(Gpt2Processing.TL));
        ids = Fixture.tokenIds();
    }

    @AfterAll
    static void close() {
        raw.close();
        tl.close();
    }

    private static float[][] rows(NDArray a) { // [1, T, N] to [T][N]
        int t = (int) a.getShape().get(1);
        int n = (int) a.getShape().get(2);
        float[] flat = a.toFloatArray();
        float[][] out = new float[t][n];
        for (int i = 0; i < t; i++) {
            System.arraycopy(flat, i * n, out[i], 0, n);
        }
        return out;
    }

    @Test
    void logProbsAreUnchangedAndLogitsMoveByAConstantPerPosition() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] a = rows(raw.forward(ids, m));
            float[][] b = rows(tl.forward(ids, m));
            float[][] la = rows(raw.forward(ids, m).logSoftmax(2));
            float[][] lb = rows(tl.forward(ids, m).logSoftmax(2));
            double worstLogProb = 0;
            double worstSpread = 0;
            double largestShift = 0;
            for (int p = 0; p < a.length; p++) {
                double lo = Double.MAX_VALUE;
                double hi = -Double.MAX_VALUE;
                for (int v = 0; v < a[p].length; v++) {
                    worstLogProb = Math.max(worstLogProb, Math.abs(la[p][v] - lb[p][v]));
                    double shift = b[p][v] - a[p][v];
                    lo = Math.min(lo, shift);
                    hi = Math.max(hi, shift);
                }
                worstSpread = Math.max(worstSpread, hi - lo);
                largestShift = Math.max(largestShift, Math.abs(lo));
            }
            assertTrue(worstLogProb < 2e-4, "log-probs differ by " + worstLogProb);
            assertTrue(worstSpread < 2e-4, "the logit shift varies within a position by " + worstSpread);
            assertTrue(largestShift > 1e-3, "center_unembed moved the logits (by " + largestShift + "), as it must");
        }
    }

    @Test
    void theResidualStreamHasZeroMeanAtEveryPosition() {
        List<String> names = new ArrayList<>();
        for (int l = 0; l < tl.config().nLayer(); l++) {
            for (String point : List.of(HookPoint.RESID_PRE, HookPoint.RESID_MID, HookPoint.RESID_POST, HookPoint.ATTN_OUT,
                    HookPoint.MLP_OUT)) {
                names.add(HookPoint.block(l, point));
            }
        }
        names.add(HookPoint.EMBED);
        names.add(HookPoint.POS_EMBED);
        try (Gpt2.Run processed = tl.run(ids, names); Gpt2.Run unprocessed = raw.run(ids, names)) {
            double rawLargest = 0;
            for (String name : names) {
                for (float[] row : rows(processed.cache().get(name))) {
                    double mean = 0;
                    double scale = 0;
                    for (float x : row) {
                        mean += x / (double) row.length;
                        scale = Math.max(scale, Math.abs(x));
                    }
                    assertTrue(Math.abs(mean) < 1e-5 * Math.max(1, scale), name + " has mean " + mean);
                }
                for (float[] row : rows(unprocessed.cache().get(name))) {
                    double mean = 0;
                    for (float x : row) {
                        mean += x / (double) row.length;
                    }
                    rawLargest = Math.max(rawLargest, Math.abs(mean));
                }
            }
            assertTrue(rawLargest > 1e-2, "the unprocessed residual is not centred (" + rawLargest + "): the test can fail");
        }
    }

    @Test
    void layerNormsAreTheIdentityAffineAndTheProcessingIsSaid() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (String name : List.of("h.0.ln_1.weight", "h.2.ln_2.weight", "ln_f.weight")) {
                for (float x : tl.weights().copy(name, m).toFloatArray()) {
                    assertEquals(1f, x, name);
                }
            }
            for (String name : List.of("h.1.ln_1.bias", "ln_f.bias")) {
                for (float x : tl.weights().copy(name, m).toFloatArray()) {
                    assertEquals(0f, x, name);
                }
            }
        }
        assertEquals(Gpt2Processing.TL, tl.processing());
        assertEquals(Gpt2Processing.NONE, raw.processing());
        assertThrows(IllegalArgumentException.class, () -> tl.processed(Gpt2Processing.TL), "processing twice is refused");
        assertEquals(Gpt2Processing.TL, Gpt2Processing.parse("TL"));
        assertThrows(IllegalArgumentException.class, () -> Gpt2Processing.parse("fold"));
    }

    @Test
    void zLosesTheValueBiasWhichTheOutputBiasNowCarries() {
        int layer = 1;
        int c = raw.config().nEmbd();
        String z = HookPoint.block(layer, HookPoint.Z);
        try (Gpt2.Run a = raw.run(ids, List.of(z)); Gpt2.Run b = tl.run(ids, List.of(z)); NDManager m = NDManager.newBaseManager()) {
            // the folded value bias: ln_1.bias @ W_V + b_V, laid out as z is (head by head)
            NDArray w = raw.weights().copy("h." + layer + ".attn.c_attn.weight", m).get(new NDIndex(":, {}:", 2 * c));
            NDArray bias = raw.weights().copy("h." + layer + ".attn.c_attn.bias", m).get(new NDIndex("{}:", 2 * c));
            float[] bV = raw.weights().copy("h." + layer + ".ln_1.bias", m).matMul(w).add(bias).toFloatArray();
            float[] za = a.cache().get(z).toFloatArray(); // [1, T, NH, HS] flattened
            float[] zb = b.cache().get(z).toFloatArray();
            for (int i = 0; i < za.length; i++) {
                assertEquals(bV[i % c], za[i] - zb[i], 1e-4, "z element " + i);
            }
        }
    }

    @Test
    void attributionStillAddsUpAndAgreesWhereProcessingMustNotChangeIt() {
        long answer = 5335;
        long wrong = 1757;
        int position = -2;
        DirectLogitAttributionResult single = DirectLogitAttribution.compute(tl, ids, position, answer, -1);
        assertEquals(single.logit(), single.total(), 1e-4 * Math.max(1, Math.abs(single.logit())), "components + constant");
        assertEquals(tl.weights().unembedBias(answer), single.constant(), 1e-6, "the constant is b_U (ln_f.bias is 0 now)");

        DirectLogitAttributionResult p = DirectLogitAttribution.compute(tl, ids, position, answer, wrong);
        DirectLogitAttributionResult u = DirectLogitAttribution.compute(raw, ids, position, answer, wrong);
        assertEquals(p.logit(), p.total(), 1e-4 * Math.max(1, Math.abs(p.logit())));
        assertEquals(u.logit(), p.logit(), 2e-4, "a logit difference is unchanged");
        for (int l = 0; l < p.mlp().length; l++) {
            assertEquals(u.mlp()[l], p.mlp()[l], 2e-4, "MLP " + l);
            double attnU = u.attnBias()[l];
            double attnP = p.attnBias()[l];
            for (int h = 0; h < p.perHead()[l].length; h++) {
                attnU += u.perHead()[l][h];
                attnP += p.perHead()[l][h];
            }
            assertEquals(attnU, attnP, 2e-4, "layer " + l + "'s heads and bias together");
        }
        assertEquals(u.embed(), p.embed(), 2e-4);
        assertEquals(u.posEmbed(), p.posEmbed(), 2e-4);
    }

    @Test
    void aModelProcessedAfterLoadingEqualsOneProcessedAtLoad() {
        try (Gpt2 later = raw.processed(Gpt2Processing.TL); NDManager m = NDManager.newBaseManager()) {
            float[] a = later.forward(ids, m).toFloatArray();
            float[] b = tl.forward(ids, m).toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i], a[i], 1e-5f);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            raw.forward(ids, m); // the model processed from is untouched and still runs
        }
    }
}
