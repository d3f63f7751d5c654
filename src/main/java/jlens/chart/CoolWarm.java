package jlens.chart;

/**
 * Moreland's "cool to warm" diverging colour map, computed from its published definition (K. Moreland,
 * "Diverging Color Maps for Scientific Visualization", ISVC 2009): the end colours blue rgb(59, 76, 192) and
 * red rgb(180, 4, 38) are interpolated in the Msh colour space (polar CIELAB), through an unsaturated white
 * of magnitude 88 at the middle, so lightness rises evenly to the centre and falls evenly away from it.
 */
final class CoolWarm {
    private static final int COOL = 0x3B4CC0;
    private static final int WARM = 0xB40426;
    private static final double WHITE_X = 0.95047;
    private static final double WHITE_Z = 1.08883;

    private CoolWarm() {}

    /** The map as {@code n} colours from cool (lowest) to warm (highest); n odd puts the white exactly in the middle. */
    static int[] table(int n) {
        double[] cool = msh(COOL);
        double[] warm = msh(WARM);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = rgb(interpolate(cool, warm, i / (double) (n - 1)));
        }
        return out;
    }

    private static double[] interpolate(double[] a, double[] b, double t) {
        double[] m1 = a.clone();
        double[] m2 = b.clone();
        if (m1[1] > 0.05 && m2[1] > 0.05 && Math.abs(m1[2] - m2[2]) > Math.PI / 3) {
            // Far-apart saturated hues pass through an unsaturated middle point.
            double mid = Math.max(88, Math.max(m1[0], m2[0]));
            if (t < 0.5) {
                m2 = new double[] {mid, 0, 0};
                t *= 2;
            } else {
                m1 = new double[] {mid, 0, 0};
                t = 2 * t - 1;
            }
        }
        if (m1[1] < 0.05 && m2[1] > 0.05) {
            m1[2] = adjustHue(m2, m1[0]);
        } else if (m2[1] < 0.05 && m1[1] > 0.05) {
            m2[2] = adjustHue(m1, m2[0]);
        }
        return new double[] {(1 - t) * m1[0] + t * m2[0], (1 - t) * m1[1] + t * m2[1], (1 - t) * m1[2] + t * m2[2]};
    }

    /** The hue an unsaturated point takes next to a saturated one, so the hue does not swing near white. */
    private static double adjustHue(double[] saturated, double unsaturatedM) {
        if (saturated[0] >= unsaturatedM) {
            return saturated[2];
        }
        double spin = saturated[1] * Math.sqrt(unsaturatedM * unsaturatedM - saturated[0] * saturated[0])
                / (saturated[0] * Math.sin(saturated[1]));
        return saturated[2] > -Math.PI / 3 ? saturated[2] + spin : saturated[2] - spin;
    }

    private static double[] msh(int rgb) {
        double[] lab = Xterm256.lab(rgb);
        double m = Math.sqrt(lab[0] * lab[0] + lab[1] * lab[1] + lab[2] * lab[2]);
        return new double[] {m, m > 0 ? Math.acos(lab[0] / m) : 0, Math.atan2(lab[2], lab[1])};
    }

    private static int rgb(double[] msh) {
        double l = msh[0] * Math.cos(msh[1]);
        double a = msh[0] * Math.sin(msh[1]) * Math.cos(msh[2]);
        double b = msh[0] * Math.sin(msh[1]) * Math.sin(msh[2]);
        double fy = (l + 16) / 116;
        double x = WHITE_X * finv(fy + a / 500);
        double y = finv(fy);
        double z = WHITE_Z * finv(fy - b / 200);
        double r = 3.2406 * x - 1.5372 * y - 0.4986 * z;
        double g = -0.9689 * x + 1.8758 * y + 0.0415 * z;
        double bl = 0.0557 * x - 0.2040 * y + 1.0570 * z;
        return channel(r) << 16 | channel(g) << 8 | channel(bl);
    }

    private static double finv(double t) {
        return t > 6.0 / 29 ? t * t * t : 3 * (6.0 / 29) * (6.0 / 29) * (t - 4.0 / 29);
    }

    private static int channel(double linear) {
        double c = linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
        return (int) Math.round(Math.max(0, Math.min(1, c)) * 255);
    }
}
