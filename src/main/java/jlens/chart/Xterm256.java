package jlens.chart;

/**
 * Maps 24-bit colours to the xterm palette: perceptual (CIELAB) nearest match over indices 16-255 for
 * 256-colour terminals, and nearest of the 16 base colours for 16-colour terminals.
 *
 * <p>Indices 0-15 are excluded from the 256 search because their real colour depends on the user's theme.
 * Results are cached per colour since charts reuse few colours many times.
 */
public final class Xterm256 {
    private static final int[] PALETTE = buildPalette();
    private static final double[][] LAB = new double[256][];
    private static final java.util.concurrent.ConcurrentHashMap<Integer, Integer> CACHE256 =
            new java.util.concurrent.ConcurrentHashMap<>();

    static {
        for (int i = 0; i < 256; i++) {
            LAB[i] = lab(PALETTE[i]);
        }
    }

    private Xterm256() {}

    /** The standard xterm RGB value of palette index {@code i} (0-255). */
    public static int rgbOf(int index) {
        return PALETTE[index];
    }

    /** The index in 16-255 nearest to {@code rgb} in CIELAB (CIE76 distance). */
    public static int nearest256(int rgb) {
        return CACHE256.computeIfAbsent(rgb & 0xFFFFFF, c -> nearest(c, 16, 256));
    }

    /**
     * The index in 0-15 for {@code rgb}. Greys (and near-greys) go to the nearest of white, grey and bright
     * white. Coloured values keep their hue: the nearest hue angle among the six colours, then the normal or
     * bright variant by lightness. A plain CIELAB match would send a mid blue to grey, because the 16 base
     * colours are so saturated; series must stay tellable apart. Black (0) is never chosen, so nothing
     * vanishes on a dark background.
     */
    public static int nearest16(int rgb) {
        double[] lab = lab(rgb & 0xFFFFFF);
        double chroma = Math.hypot(lab[1], lab[2]);
        if (chroma < 15) {
            return nearestOf(lab, 7, 8, 15);
        }
        double hue = Math.atan2(lab[2], lab[1]);
        int bestHue = 1;
        double bestDifference = Double.MAX_VALUE;
        for (int i = 1; i <= 6; i++) {
            double[] candidate = LAB[i + 8]; // the bright variant has the cleaner hue
            double difference = Math.abs(Math.IEEEremainder(hue - Math.atan2(candidate[2], candidate[1]), 2 * Math.PI));
            if (difference < bestDifference) {
                bestDifference = difference;
                bestHue = i;
            }
        }
        return Math.abs(lab[0] - LAB[bestHue][0]) <= Math.abs(lab[0] - LAB[bestHue + 8][0]) ? bestHue : bestHue + 8;
    }

    private static int nearestOf(double[] lab, int... indices) {
        int best = indices[0];
        for (int i : indices) {
            if (distance(lab, i) < distance(lab, best)) {
                best = i;
            }
        }
        return best;
    }

    private static int nearest(int rgb, int from, int to) {
        double[] lab = lab(rgb);
        int best = from;
        for (int i = from; i < to; i++) {
            if (distance(lab, i) < distance(lab, best)) {
                best = i;
            }
        }
        return best;
    }

    /** Squared CIELAB distance from {@code lab} to palette entry {@code i}. */
    private static double distance(double[] lab, int i) {
        double dl = lab[0] - LAB[i][0];
        double da = lab[1] - LAB[i][1];
        double db = lab[2] - LAB[i][2];
        return dl * dl + da * da + db * db;
    }

    private static int[] buildPalette() {
        int[] p = new int[256];
        int[] base = {
            0x000000, 0xCD0000, 0x00CD00, 0xCDCD00, 0x0000EE, 0xCD00CD, 0x00CDCD, 0xE5E5E5,
            0x7F7F7F, 0xFF0000, 0x00FF00, 0xFFFF00, 0x5C5CFF, 0xFF00FF, 0x00FFFF, 0xFFFFFF
        };
        System.arraycopy(base, 0, p, 0, 16);
        int[] levels = {0, 95, 135, 175, 215, 255};
        for (int i = 0; i < 216; i++) {
            p[16 + i] = levels[i / 36] << 16 | levels[(i / 6) % 6] << 8 | levels[i % 6];
        }
        for (int i = 0; i < 24; i++) {
            int v = 8 + 10 * i;
            p[232 + i] = v << 16 | v << 8 | v;
        }
        return p;
    }

    /** sRGB (D65) to CIELAB. */
    static double[] lab(int rgb) {
        double r = linear((rgb >> 16) & 0xFF);
        double g = linear((rgb >> 8) & 0xFF);
        double b = linear(rgb & 0xFF);
        double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        double fx = f(x);
        double fy = f(y);
        double fz = f(z);
        return new double[] {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
    }

    private static double linear(int channel) {
        double c = channel / 255.0;
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }

    private static double f(double t) {
        return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
    }
}
