package jlens.intervene.steering;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The steering directions from pairs of activations, on synthetic pairs whose answer is known. */
class SteeringTest {
    private static final int C = 16;

    /** Pairs whose positive is its negative plus {@code a[i]} along coordinate {@code axis}; integers, so the floats are exact. */
    private static float[][][] pairs(double[] a, int axis) {
        Random r = new Random(3);
        float[][] pos = new float[a.length][C];
        float[][] neg = new float[a.length][C];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < C; k++) {
                neg[i][k] = r.nextInt(17) - 8;
                pos[i][k] = neg[i][k] + (k == axis ? (float) a[i] : 0f);
            }
        }
        return new float[][][] {pos, neg};
    }

    private static float[] unit(int axis, float sign) {
        float[] e = new float[C];
        e[axis] = sign;
        return e;
    }

    @Test
    void theMeanDifferenceOfPairsThatDifferByAEiIsExactlyAEi() {
        float[][][] p = pairs(new double[] {3, 3, 3, 3, 3}, 5);
        float[] e = unit(5, 3f);
        assertArrayEquals(e, Steering.meanDifference(p[0], p[1]), 0f);
        float[][][] q = pairs(new double[] {1, 2, 6}, 9);
        assertArrayEquals(unit(9, 3f), Steering.meanDifference(q[0], q[1]), 0f);
    }

    @Test
    void thePrincipalDirectionIsPlusEiWherePositivesProjectHigher() {
        float[][][] p = pairs(new double[] {3, 3, 3, 3}, 5);
        assertArrayEquals(unit(5, 1f), Steering.principalDirection(p[0], p[1]), 1e-6f);
        // the roles swapped: the positives are higher along -e_i
        assertArrayEquals(unit(5, -1f), Steering.principalDirection(p[1], p[0]), 1e-6f);
        // the mean difference points the other way (-3 + 1 + 1 < 0), but the positives are higher in two of three pairs
        float[][][] q = pairs(new double[] {-3, 1, 1}, 2);
        assertArrayEquals(unit(2, 1f), Steering.principalDirection(q[0], q[1]), 1e-6f);
        assertTrue(Steering.meanDifference(q[0], q[1])[2] < 0);
    }

    @Test
    void pairsMustMatch() {
        float[][][] p = pairs(new double[] {1, 2}, 0);
        assertThrows(IllegalArgumentException.class, () -> Steering.meanDifference(p[0], new float[][] {p[1][0]}));
        assertThrows(IllegalArgumentException.class, () -> Steering.principalDirection(p[0], p[0]));
        assertEquals(C, Steering.meanDifference(p[0], p[1]).length);
    }
}
