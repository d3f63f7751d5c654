package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void meanVarianceAndStdAreUnbiased() {
        float[] values = {1, 2, 3, 4};
        assertEquals(2.5, Stats.mean(values), 0);
        // squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, over n - 1 = 3
        assertEquals(5.0 / 3, Stats.variance(values), 1e-15);
        assertEquals(Math.sqrt(5.0 / 3), Stats.std(values), 1e-15);
        assertEquals(5.0 / 3, Stats.variance(new double[] {1, 2, 3, 4}), 1e-15);
    }

    @Test
    void aLargeMeanCostsNoPrecision() {
        // A one-pass sum of squares would lose the variance of 1 against squares near 1e16.
        double[] values = {1e8 + 1, 1e8 + 2, 1e8 + 3};
        assertEquals(1.0, Stats.variance(values), 1e-9);
    }

    @Test
    void oneValueHasNoUnbiasedVariance() {
        assertTrue(Double.isNaN(Stats.variance(new float[] {3})));
    }

    @Test
    void noValuesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> Stats.mean(new float[0]));
        assertThrows(IllegalArgumentException.class, () -> Stats.std(new double[0]));
    }
}
