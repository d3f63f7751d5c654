package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import org.junit.jupiter.api.Test;

/** The head detectors against scores worked out by hand, and against TransformerLens's construction of the masks. */
class HeadDetectorTest {
    static final long[] IDS = {1, 2, 1, 2};

    /** The causal pattern that spreads each query's attention evenly: A[i][j] = 1/(i+1) for j <= i. */
    static double[][] uniform(int t) {
        double[][] a = new double[t][t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = 1.0 / (i + 1);
            }
        }
        return a;
    }

    static double score(double[][] a, long[] ids, HeadDetectKind k, boolean bos, boolean current) {
        return HeadDetector.score(a, k.pattern(ids), bos, current);
    }

    @Test
    void aPatternEqualToTheDetectionPatternScoresOne() {
        long[] ids = {50256, 5, 7, 9, 5, 7, 9, 5};
        for (HeadDetectKind k : HeadDetectKind.values()) {
            boolean[][] d = k.pattern(ids);
            double[][] a = new double[ids.length][ids.length];
            for (int i = 0; i < ids.length; i++) {
                for (int j = 0; j < ids.length; j++) {
                    a[i][j] = d[i][j] ? 1 : 0;
                }
            }
            assertEquals(1.0, HeadDetector.score(a, d, false, false), 1e-12, k.label());
        }
    }

    @Test
    void aUniformCausalPatternScoresItsAnalyticValue() {
        // T = 4, ids 1 2 1 2: rows hold 1, 1/2, 1/3, 1/4 per key; the total is T = 4
        double[][] a = uniform(4);
        assertEquals((1 / 2.0 + 1 / 3.0 + 1 / 4.0) / 4, score(a, IDS, HeadDetectKind.PREVIOUS_TOKEN, false, false), 1e-12);
        assertEquals((1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0) / 4, score(a, IDS, HeadDetectKind.BOS, false, false), 1e-12);
        assertEquals((1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0) / 4, score(a, IDS, HeadDetectKind.CURRENT_TOKEN, false, false), 1e-12);
        // duplicates: (2,0) and (3,1); induction: (2,1) and (3,2); each 1/3 + 1/4
        assertEquals((1 / 3.0 + 1 / 4.0) / 4, score(a, IDS, HeadDetectKind.DUPLICATE_TOKEN, false, false), 1e-12);
        assertEquals((1 / 3.0 + 1 / 4.0) / 4, score(a, IDS, HeadDetectKind.INDUCTION, false, false), 1e-12);
        // for any length, previous-token on a uniform pattern is (H_T - 1) / T with H_T the harmonic number
        int t = 50;
        double harmonic = 0;
        for (int k = 1; k <= t; k++) {
            harmonic += 1.0 / k;
        }
        assertEquals((harmonic - 1) / t, score(uniform(t), new long[t], HeadDetectKind.PREVIOUS_TOKEN, false, false), 1e-12);
        assertEquals(harmonic / t, score(uniform(t), new long[t], HeadDetectKind.BOS, false, false), 1e-12);
    }

    @Test
    void theFlagsZeroColumnZeroAndTheDiagonalBeforeTheRatio() {
        double[][] a = uniform(4);
        // column 0 removed: total 4 - 25/12 = 23/12; previous-token keeps (2,1) 1/3 and (3,2) 1/4 = 7/12
        assertEquals(7.0 / 23, score(a, IDS, HeadDetectKind.PREVIOUS_TOKEN, true, false), 1e-12);
        // diagonal removed: total 23/12; previous-token keeps all of 13/12
        assertEquals(13.0 / 23, score(a, IDS, HeadDetectKind.PREVIOUS_TOKEN, false, true), 1e-12);
        // both: total 1/3 + 1/2 = 10/12 ((0,0) is in both), previous-token 7/12
        assertEquals(7.0 / 10, score(a, IDS, HeadDetectKind.PREVIOUS_TOKEN, true, true), 1e-12);
        assertEquals(0.0, score(a, IDS, HeadDetectKind.BOS, true, false), 1e-12);
        assertEquals(0.0, score(a, IDS, HeadDetectKind.CURRENT_TOKEN, false, true), 1e-12);
        // nothing left to divide by: NaN, as in TransformerLens, and ranked last
        double[][] sink = {{1, 0}, {1, 0}};
        assertTrue(Double.isNaN(score(sink, new long[] {3, 4}, HeadDetectKind.BOS, true, false)));
        HeadDetectResult r = new HeadDetectResult("bos", true, false, 1, new double[][] {{Double.NaN, 0.2, 0.7}});
        assertEquals(List.of(new HeadDetectScore(0, 2, 0.7), new HeadDetectScore(0, 1, 0.2)), r.top(2));
        assertTrue(Double.isNaN(r.ranked().get(2).score()));
    }

    /** TransformerLens's own steps, transcribed: eq mask, fill_diagonal(0), tril; induction rolls it right. */
    static double[][] transformerLensDuplicate(long[] ids) {
        int t = ids.length;
        double[][] eq = new double[t][t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                eq[i][j] = ids[j] == ids[i] ? 1 : 0; // token_pattern[i][j] = tokens[j]; compared with its transpose
            }
            eq[i][i] = 0;
        }
        return tril(eq);
    }

    static double[][] transformerLensInduction(long[] ids) {
        int t = ids.length;
        double[][] dup = transformerLensDuplicate(ids);
        double[][] rolled = new double[t][t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                rolled[i][(j + 1) % t] = dup[i][j]; // torch.roll(shifts=1, dims=1)
            }
            rolled[i][0] = 0; // the zeros column replaces column 0
        }
        return tril(rolled);
    }

    static double[][] tril(double[][] a) {
        for (int i = 0; i < a.length; i++) {
            for (int j = i + 1; j < a.length; j++) {
                a[i][j] = 0;
            }
        }
        return a;
    }

    @Test
    void masksMatchTransformerLensConstructionOnRandomIdsWithRepeats() {
        Random rng = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            long[] ids = new long[2 + rng.nextInt(30)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rng.nextInt(4); // a tiny vocabulary: many repeats, also adjacent ones
            }
            assertArrayEquals(transformerLensDuplicate(ids), asDouble(HeadDetectKind.DUPLICATE_TOKEN.pattern(ids)));
            assertArrayEquals(transformerLensInduction(ids), asDouble(HeadDetectKind.INDUCTION.pattern(ids)));
        }
        // an adjacent repeat: the induction mark sits on the diagonal (TransformerLens keeps it)
        assertTrue(HeadDetectKind.INDUCTION.pattern(new long[] {3, 3})[1][1]);
    }

    static double[][] asDouble(boolean[][] b) {
        double[][] a = new double[b.length][b.length];
        for (int i = 0; i < b.length; i++) {
            for (int j = 0; j < b.length; j++) {
                a[i][j] = b[i][j] ? 1 : 0;
            }
        }
        return a;
    }

    @Test
    void aBatchIsTheMeanOfItsSingles() {
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            List<long[]> prompts = List.of(RepeatedRandomTokens.of(6, 1, 1000, 50256),
                    RepeatedRandomTokens.of(9, 2, 1000, 50256), new long[] {464, 3290, 373, 464, 3290});
            for (HeadDetectKind k : HeadDetectKind.values()) {
                HeadDetectResult batch = HeadDetector.detect(model, prompts, k, true, false);
                List<HeadDetectResult> singles = new ArrayList<>();
                for (long[] p : prompts) {
                    singles.add(HeadDetector.detect(model, List.of(p), k, true, false));
                }
                HeadDetectResult mean = HeadDetector.mean(singles);
                assertEquals(3, batch.prompts());
                for (int l = 0; l < batch.nLayer(); l++) {
                    for (int h = 0; h < batch.nHead(); h++) {
                        double byHand = 0;
                        for (HeadDetectResult s : singles) {
                            byHand += s.score(l, h) / 3;
                        }
                        assertEquals(byHand, batch.score(l, h), 1e-12, k.label());
                        assertEquals(byHand, mean.score(l, h), 1e-12, k.label());
                    }
                }
            }
        }
    }

    @Test
    void theCachePathAndTheInPassPathAgreeWithScoringTheCapturedPatternsByHand() {
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            long[] ids = Fixture.tokenIds();
            int nl = model.config().nLayer();
            List<String> hooks = new ArrayList<>();
            for (int l = 0; l < nl; l++) {
                hooks.add(HookPoint.block(l, HookPoint.PATTERN));
            }
            try (Gpt2.Run run = model.run(ids, hooks)) {
                int nh = model.config().nHead();
                int t = ids.length;
                double[][][][] patterns = new double[nl][nh][t][t];
                for (int l = 0; l < nl; l++) {
                    float[] p = run.cache().get(hooks.get(l)).toFloatArray();
                    for (int h = 0; h < nh; h++) {
                        for (int i = 0; i < t; i++) {
                            for (int j = 0; j < t; j++) {
                                patterns[l][h][i][j] = p[(h * t + i) * t + j];
                            }
                        }
                    }
                }
                for (HeadDetectKind k : HeadDetectKind.values()) {
                    double[][] byHand = HeadDetector.scores(patterns, ids, k, false, true);
                    HeadDetectResult cached = HeadDetector.detect(run.cache(), ids, k, false, true);
                    HeadDetectResult inPass = HeadDetector.detect(model, List.of(ids), k, false, true);
                    for (int l = 0; l < nl; l++) {
                        assertArrayEquals(byHand[l], cached.scores()[l], 1e-9);
                        assertArrayEquals(byHand[l], inPass.scores()[l], 1e-6);
                    }
                }
            }
        }
    }

    @Test
    void saysWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeadDetector.scores(new double[1][1][1][1], new long[] {5}, HeadDetectKind.BOS, false, false));
        assertTrue(e.getMessage().contains("at least 2 tokens"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HeadDetectKind.parse("inducton"));
        assertTrue(e.getMessage().contains("previous-token|duplicate-token|induction|bos|current-token"), e.getMessage());
        assertEquals(HeadDetectKind.PREVIOUS_TOKEN, HeadDetectKind.parse("previous_token_head"));
        assertEquals(HeadDetectKind.INDUCTION, HeadDetectKind.parse("Induction"));
    }

    @Test
    void tableHasALayerColumnThenOneColumnPerHead() {
        HeadDetectResult r = new HeadDetectResult("induction", false, false, 2, new double[][] {{0.1, 0.2}, {0.3, 0.4}});
        assertEquals("layer,head_0,head_1\n0,0.1,0.2\n1,0.3,0.4\n", r.toCsv());
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4}, r.array().f64());
        assertArrayEquals(new long[] {2, 2}, r.array().shape());
    }

    @Test
    void repeatedRandomTokensAreSeededAndRepeated() {
        long[] a = RepeatedRandomTokens.of(50, 4, 50257, 50256);
        assertEquals(101, a.length);
        assertEquals(50256, a[0]);
        for (int i = 1; i <= 50; i++) {
            assertEquals(a[i], a[50 + i]);
            assertTrue(a[i] >= 0 && a[i] < 50257);
        }
        assertArrayEquals(a, RepeatedRandomTokens.of(50, 4, 50257, 50256));
        assertTrue(!java.util.Arrays.equals(a, RepeatedRandomTokens.of(50, 5, 50257, 50256)));
        assertThrows(IllegalArgumentException.class, () -> RepeatedRandomTokens.of(0, 4, 50257, 50256));
    }
}
