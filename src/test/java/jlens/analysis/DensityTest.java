package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-checkable cases of numpy's histogram semantics. */
class DensityTest {

    @Test
    void edgesAreEqualWidthWithTheLastExactlyHi() {
        Density h = Density.of(new float[] {0.5f}, 4, 0, 1);
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, h.edges());
        assertEquals(4, h.bins());
        assertEquals(0, h.lo());
        assertEquals(1, h.hi());
    }

    @Test
    void binsAreHalfOpenExceptTheLastWhichIncludesHi() {
        // 0.25 and 0.5 sit on inner edges and belong to the bin on their right; 1.0 is in the closed last bin.
        Density h = Density.of(new double[] {0, 0.25, 0.5, 0.99, 1.0}, 4, 0, 1);
        assertArrayEquals(new long[] {1, 1, 1, 2}, h.counts());
        assertEquals(5, h.inRange());
    }

    @Test
    void valuesOutsideTheRangeAndNaNAreIgnored() {
        Density h = Density.of(new double[] {-0.1, 1.1, Double.NaN, Double.POSITIVE_INFINITY, 0.5}, 2, 0, 1);
        assertArrayEquals(new long[] {0, 1}, h.counts());
        assertEquals(1, h.inRange());
        assertArrayEquals(new double[] {0, 2}, h.density(), 1e-15, "density counts only values in range");
    }

    @Test
    void densityIsCountOverTotalTimesWidth() {
        // 2 of 3 values in [0, 0.5), width 0.5: 2 / (3 * 0.5) = 4/3; 1 of 3 in the other: 2/3.
        Density h = Density.of(new float[] {0.1f, 0.1f, 0.6f}, 2, 0, 1);
        assertArrayEquals(new double[] {4.0 / 3, 2.0 / 3}, h.density(), 1e-12);
        assertArrayEquals(new double[] {2, 1}, h.values(false));
        assertArrayEquals(h.density(), h.values(true));
    }

    @Test
    void densityIntegratesToOne() {
        Random random = new Random(7);
        double[] values = random.doubles(10_000).map(x -> Math.pow(x, 3) * 7 - 2).toArray();
        Density h = Density.auto(values, 37);
        double integral = 0;
        for (int b = 0; b < h.bins(); b++) {
            integral += h.density()[b] * (h.edges()[b + 1] - h.edges()[b]);
        }
        assertEquals(1.0, integral, 1e-12);
        assertEquals(values.length, h.inRange(), "auto range counts every value, min and max included");
    }

    @Test
    void aValueOnAnEdgeComputedWithRoundingGoesWhereNumpyPutsIt() {
        // edges[3] = 3 * 0.1 = 0.30000000000000004 > 0.3, while (0.3 - 0) * 10 is exactly 3.0: numpy corrects
        // the index down to bin 2 (np.histogram([0.3], bins=10, range=(0, 1)) counts it in bin 2).
        Density h = Density.of(new double[] {0.3}, 10, 0, 1);
        assertEquals(1, h.counts()[2]);
        assertEquals(0.30000000000000004, h.edges()[3]);
    }

    @Test
    void autoRangeIsTheFiniteMinAndMax() {
        Density h = Density.auto(new float[] {3, -1, Float.NEGATIVE_INFINITY, 2}, 4);
        assertEquals(-1, h.lo());
        assertEquals(3, h.hi());
        // edges -1, 0, 1, 2, 3: 2 opens the last bin, which also holds 3; -inf is not counted
        assertArrayEquals(new long[] {1, 0, 0, 2}, h.counts());
        assertEquals(3, h.inRange());
    }

    @Test
    void autoRangeOfEqualValuesWidensByAHalf() {
        Density h = Density.auto(new double[] {2, 2}, 2);
        assertArrayEquals(new double[] {1.5, 2, 2.5}, h.edges());
        assertArrayEquals(new long[] {0, 2}, h.counts(), "2 sits on the middle edge: right bin");
    }

    @Test
    void emptyDataHasZeroDensity() {
        Density h = Density.auto(new double[0], 3);
        assertEquals(0, h.lo());
        assertEquals(1, h.hi());
        assertArrayEquals(new double[3], h.density());
    }

    @Test
    void valuesNoneOfWhichIsFiniteHaveNoRangeAndNoDensity() {
        Density auto = Density.auto(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NaN}, 4);
        assertFalse(auto.hasEdges(), "no invented [0, 1]: " + auto);
        assertFalse(auto.hasDensity());
        assertTrue(Arrays.stream(auto.edges()).allMatch(Double::isNaN));
        assertTrue(Arrays.stream(auto.density()).allMatch(Double::isNaN), "no invented zero densities");
        assertEquals(2, auto.nan());
        assertEquals(1, auto.infinite());
        assertArrayEquals(new long[4], auto.counts());
        // on given edges the edges are real, the densities still undefined
        Density given = Density.of(new double[] {Double.NaN, 7}, 2, 0, 1);
        assertTrue(given.hasEdges());
        assertTrue(Arrays.stream(given.density()).allMatch(Double::isNaN));
        // finite data with nothing in range stays an empty histogram of zeros
        Density outside = Density.of(new double[] {7, 8}, 2, 0, 1);
        assertTrue(outside.hasDensity());
        assertArrayEquals(new double[2], outside.density());
    }

    @Test
    void badBinsOrRangeAreRefusedWithTheRule() {
        IllegalArgumentException bins = assertThrows(IllegalArgumentException.class, () -> Density.of(new double[] {1}, 0, 0, 1));
        assertTrue(bins.getMessage().contains("at least 1"), bins.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> Density.of(new double[] {1}, 3, 1, 1));
        assertTrue(range.getMessage().contains("lo < hi"), range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Density.of(new double[] {1}, 3, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> Density.auto(new float[] {1}, -2));
    }

    @Test
    void csvHasOneRowPerBin() {
        String csv = Density.of(new double[] {0.1, 0.6, 0.7}, 2, 0, 1).toCsv();
        assertEquals("bin_left,bin_right,count,density\n0.0,0.5,1,0.6666666666666666\n0.5,1.0,2,1.3333333333333333\n", csv);
    }
}
