package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TicksTest {
    @Test
    void ticksAreNiceInsideTheRangeAndHaveDistinctLabels() {
        Random random = new Random(3);
        for (int trial = 0; trial < 2000; trial++) {
            double scale = Math.pow(10, random.nextInt(12) - 6);
            double lo = (random.nextDouble() - 0.5) * 100 * scale;
            double hi = lo + random.nextDouble() * 50 * scale + 1e-9;
            int maxCount = 2 + random.nextInt(12);
            double step = Ticks.niceStep(lo, hi, maxCount);
            double mantissa = step / Math.pow(10, Math.floor(Math.log10(step) + 1e-12));
            assertTrue(isOneOf(mantissa, 1, 2, 2.5, 5, 10), "step " + step);
            double[] ticks = Ticks.nice(lo, hi, maxCount);
            assertTrue(ticks.length >= 1 && ticks.length <= maxCount + 1, lo + ".." + hi + " gave " + ticks.length);
            Set<String> labels = new HashSet<>();
            for (double t : ticks) {
                assertTrue(t >= lo - step * 1e-6 && t <= hi + step * 1e-6, t + " outside " + lo + ".." + hi);
                labels.add(Ticks.format(t, step));
            }
            assertEquals(ticks.length, labels.size(), "labels collide for " + lo + ".." + hi + " step " + step);
        }
    }

    @Test
    void niceRangeContainsTheData() {
        double[] r = Ticks.niceRange(-0.37, 12.2, 5);
        assertTrue(r[0] <= -0.37 && r[1] >= 12.2);
    }

    @Test
    void labelsAreShortAndLocaleFree() {
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.GERMANY); // would print 0,5 with the default locale
            assertEquals("0.5", Ticks.format(0.5, 0.5));
            assertTrue(Ticks.format(123456789.0).length() <= 8);
            assertTrue(Ticks.format(1.5e-7).contains("e-7"));
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }

    private static boolean isOneOf(double v, double... options) {
        for (double o : options) {
            if (Math.abs(v - o) < 1e-6) {
                return true;
            }
        }
        return false;
    }
}
