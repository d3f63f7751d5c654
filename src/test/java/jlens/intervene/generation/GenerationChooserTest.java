package jlens.intervene.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The sampler never picks a token from log-probabilities that are not numbers, and never indexes with -1. */
class GenerationChooserTest {
    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static void refuses(GenerationSampling sampling, float[] logprobs) {
        GenerationChooser c = new GenerationChooser(sampling);
        RuntimeException e = assertThrows(RuntimeException.class, () -> c.choose(logprobs),
                "no token may be chosen from " + Arrays.toString(Arrays.copyOf(logprobs, 4)));
        assertTrue(e instanceof IllegalStateException || e instanceof IllegalArgumentException, e.toString());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("not finite") || e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void nanLogprobsAreRefusedGreedyOrSampled() {
        refuses(GenerationSampling.greedy(), filled(10, Float.NaN));
        refuses(GenerationSampling.sample(1, 0, 1), filled(10, Float.NaN));
        refuses(GenerationSampling.sample(0.7, 3, 1), filled(10, Float.NaN));
        float[] oneNan = filled(10, -2.3f);
        oneNan[4] = Float.NaN;
        refuses(GenerationSampling.greedy(), oneNan);
        refuses(GenerationSampling.sample(1, 0, 1), oneNan);
    }

    @Test
    void noTokenWithProbabilityIsRefusedNotIndexedAtMinusOne() {
        refuses(GenerationSampling.sample(1, 0, 1), filled(10, Float.NEGATIVE_INFINITY));
        refuses(GenerationSampling.greedy(), filled(10, Float.NEGATIVE_INFINITY));
        float[] plusInf = filled(10, -1f);
        plusInf[2] = Float.POSITIVE_INFINITY;
        refuses(GenerationSampling.sample(1, 0, 1), plusInf);
    }

    @Test
    void finiteLogprobsStillChooseAsBefore() {
        float[] lp = {-3f, -0.1f, -2f, Float.NEGATIVE_INFINITY};
        assertEquals(1, new GenerationChooser(GenerationSampling.greedy()).choose(lp));
        GenerationChooser top1 = new GenerationChooser(GenerationSampling.sample(5, 1, 42));
        for (int i = 0; i < 20; i++) {
            assertEquals(1, top1.choose(lp));
        }
        GenerationChooser all = new GenerationChooser(GenerationSampling.sample(1, 0, 7));
        for (int i = 0; i < 200; i++) {
            int id = all.choose(lp);
            assertTrue(id >= 0 && id < 3, "never the -inf token: " + id);
        }
    }

    @Test
    void hugeTemperaturesAreShownAsTyped() {
        String d = GenerationSampling.sample(1e308, 0, 1).describe();
        assertFalse(d.contains("9223372036854775807"), d);
        assertEquals(1e308, Double.parseDouble(d.replaceAll(".*temp (\\S+).*", "$1")), d);
        assertEquals("sample temp 0.8 top-k 40 seed 1", GenerationSampling.sample(0.8, 40, 1).describe());
        assertEquals("sample temp 2 seed 1", GenerationSampling.sample(2, 0, 1).describe());
    }
}
