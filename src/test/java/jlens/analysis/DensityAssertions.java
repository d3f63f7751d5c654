package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compares a histogram of our float32 values with a reference histogram computed in float64.
 *
 * <p>A value that lies within float error of a bin edge may fall on either side of it in the two computations, and
 * one such value moves a density by {@code 1 / (n * width)} (about 0.01 for the fixture's Q/K/V), far more than
 * any sensible density tolerance. So densities are turned back into integer counts, and each reference count must
 * lie between what our values give when every value within {@code eps} of the bin's edges is left out and when
 * all of them are let in. Our own histogram's counts may differ from the reference only by such edge values.
 */
final class DensityAssertions {
    private DensityAssertions() {}

    /**
     * @param refEdges the reference's bin edges
     * @param refDensity the reference's densities (numpy {@code density=True})
     * @param ours our histogram of {@code values}
     * @param values our values
     * @param eps how far our values may be from the reference's
     */
    static void countsMatch(String what, double[] refEdges, double[] refDensity, Density ours, float[] values, double eps) {
        int bins = refDensity.length;
        assertEquals(bins + 1, refEdges.length, what + ": reference edges");
        assertEquals(bins, ours.bins(), what + ": bins");
        double lo = refEdges[0];
        double hi = refEdges[bins];
        // Values counted by the reference: those in its range, give or take eps (an auto range is the reference's
        // own min..max, which our extreme values may overshoot by float error).
        long n = 0;
        for (float x : values) {
            if (x >= lo - eps && x <= hi + eps) {
                n++;
            }
        }
        long[] refCounts = new long[bins];
        long refTotal = 0;
        for (int b = 0; b < bins; b++) {
            double count = refDensity[b] * (refEdges[b + 1] - refEdges[b]) * n;
            refCounts[b] = Math.round(count);
            // Not a whole number: the reference counted a different number of values than we did.
            assertEquals(refCounts[b], count, 1e-6, what + ": bin " + b + " reference density times n*width is not a count");
            refTotal += refCounts[b];
        }
        assertEquals(n, refTotal, what + ": values in range");
        for (int b = 0; b < bins; b++) {
            double left = refEdges[b];
            double right = refEdges[b + 1];
            boolean last = b == bins - 1;
            long surely = 0; // ours, well inside the bin
            long maybe = 0; // ours, inside or within eps of an edge
            long nearEdge = 0;
            for (float x : values) {
                if (x >= left + eps && (last ? x <= right - eps : x < right - eps)) {
                    surely++;
                }
                if (x >= left - eps && x <= right + eps) {
                    maybe++;
                }
                if (Math.abs(x - left) <= eps || Math.abs(x - right) <= eps) {
                    nearEdge++;
                }
            }
            long ref = refCounts[b];
            assertTrue(surely <= ref && ref <= maybe, what + ": bin " + b + " [" + left + ", " + right + "] reference count "
                    + ref + ", ours between " + surely + " and " + maybe);
            long diff = Math.abs(ours.counts()[b] - ref);
            assertTrue(diff <= nearEdge, what + ": bin " + b + " count " + ours.counts()[b] + ", reference " + ref + ", only "
                    + nearEdge + " values near its edges");
        }
    }
}
