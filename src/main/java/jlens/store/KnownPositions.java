package jlens.store;

import java.util.Arrays;
import java.util.Random;

/**
 * The known-answer model's position code: sinusoids, so that "one step back" is a fixed linear map (a rotation by
 * each frequency) and "same position" is a dot product.
 *
 * <p>Each frequency is stored as three phases 120 degrees apart, {@code A cos(wp), A cos(wp + 2pi/3),
 * A cos(wp + 4pi/3)}: the three sum to zero at every position, so LayerNorm's centring leaves them alone, and their
 * squared norm is always {@code 1.5 A^2}, so its scaling does too. A reader recovers {@code cos(wp)} and
 * {@code sin(wp)} from the three phases with fixed weights.
 *
 * <p>The dot product of two positions' codes is proportional to the kernel {@code kappa(d) = mean_k cos(w_k d)}
 * of their distance d: 1 at d = 0 and, for frequencies spread at random, about {@code 1/sqrt(2K)} elsewhere. The
 * frequencies are the seeded draw whose largest |kappa(d)| over 1 <= d < n_positions (the "sidelobe") is smallest
 * of a few hundred, so a head reading positions is sharp at every distance the model can see.
 */
final class KnownPositions {
    /** Frequencies every position reader uses (the previous-token and current-token heads). */
    static final int N_FREQ = 29;
    /**
     * The first N_FREQ_DUP of them are the duplicate-token head's "not myself" term: that head also needs 96
     * dimensions for tokens, and a head has 128.
     */
    static final int N_FREQ_DUP = 15;
    static final int PHASES = 3;
    private static final int DRAWS = 300;
    private static final double LOWEST = 0.05; // radians per position: slower ones cannot tell neighbours apart

    private final double[] omega;
    private final double amplitude;

    /**
     * @param normSquared the squared norm of every position's code (its share of LayerNorm's variance budget)
     */
    KnownPositions(Random rng, int nPositions, double normSquared) {
        double[] dup = choose(rng, new double[0], N_FREQ_DUP, nPositions);
        this.omega = choose(rng, dup, N_FREQ, nPositions);
        this.amplitude = Math.sqrt(normSquared / (1.5 * N_FREQ));
    }

    /** Width of the code in the residual stream. */
    static int width() {
        return N_FREQ * PHASES;
    }

    /** Coordinate {@code k * 3 + phase} of position {@code p}'s code. */
    double coordinate(int p, int k, int phase) {
        return amplitude * StrictMath.cos(omega[k] * p + 2 * Math.PI * phase / PHASES);
    }

    /**
     * The weight on phase coordinate {@code phase} of frequency {@code k} that reads {@code cos(w_k (p - shift))}
     * ({@code part} 0) or {@code sin(w_k (p - shift))} ({@code part} 1) from position p's code. Since
     * {@code sum_phi cos(wp + phi) cos(phi) = 1.5 cos(wp)} and {@code sum_phi cos(wp + phi) sin(phi) = -1.5 sin(wp)},
     * the unshifted readers are {@code (2/3A) cos(phi)} and {@code -(2/3A) sin(phi)}; a shift rotates them.
     */
    double reader(int k, int phase, int part, int shift) {
        double phi = 2 * Math.PI * phase / PHASES;
        double readCos = 2.0 / (3 * amplitude) * StrictMath.cos(phi);
        double readSin = -2.0 / (3 * amplitude) * StrictMath.sin(phi);
        double c = StrictMath.cos(omega[k] * shift);
        double s = StrictMath.sin(omega[k] * shift);
        // cos(w(p-s)) = cos(wp)cos(ws) + sin(wp)sin(ws);  sin(w(p-s)) = sin(wp)cos(ws) - cos(wp)sin(ws)
        return part == 0 ? c * readCos + s * readSin : c * readSin - s * readCos;
    }

    double[] frequencies() {
        return omega.clone();
    }

    /** Largest |kappa(d)| of the first {@code count} frequencies over distances 1..maxDistance. */
    double sidelobe(int count, int maxDistance) {
        return sidelobe(Arrays.copyOf(omega, count), maxDistance);
    }

    /** Keeps {@code fixed} and draws the rest {@link #DRAWS} times; the draw with the smallest sidelobe wins. */
    private static double[] choose(Random rng, double[] fixed, int count, int nPositions) {
        double[] best = null;
        double bestSide = Double.POSITIVE_INFINITY;
        for (int draw = 0; draw < DRAWS; draw++) {
            double[] w = Arrays.copyOf(fixed, count);
            for (int k = fixed.length; k < count; k++) {
                w[k] = LOWEST + (Math.PI - LOWEST) * rng.nextDouble();
            }
            double side = sidelobe(w, nPositions - 1);
            if (side < bestSide) {
                bestSide = side;
                best = w;
            }
        }
        return best;
    }

    /** max over 1 <= d <= maxDistance of |mean_k cos(w_k d)|, with cos(w(d+1)) = 2cos(w)cos(wd) - cos(w(d-1)). */
    static double sidelobe(double[] w, int maxDistance) {
        int n = w.length;
        double[] prev = new double[n]; // cos(w (d-1))
        double[] cur = new double[n]; // cos(w d)
        double[] twoCos = new double[n];
        for (int k = 0; k < n; k++) {
            prev[k] = 1;
            cur[k] = StrictMath.cos(w[k]);
            twoCos[k] = 2 * cur[k];
        }
        double worst = 0;
        for (int d = 1; d <= maxDistance; d++) {
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += cur[k];
                double next = twoCos[k] * cur[k] - prev[k];
                prev[k] = cur[k];
                cur[k] = next;
            }
            worst = Math.max(worst, Math.abs(sum / n));
        }
        return worst;
    }
}
