package jlens.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** "Nice" tick values (1, 2, 2.5, 5 times a power of ten) and compact number labels. */
public final class Ticks {
    /** A label at a row or column. */
    record Labelled(int row, String label) {}

    private Ticks() {}

    /** The step of about {@code (hi - lo) / maxCount} rounded to 1, 2, 2.5 or 5 times a power of ten. */
    public static double niceStep(double lo, double hi, int maxCount) {
        double span = hi - lo;
        if (!(span > 0) || !Double.isFinite(span)) {
            return 1;
        }
        double raw = span / Math.max(1, maxCount);
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= raw * (1 - 1e-9)) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    /** Tick values inside [lo, hi], at most about {@code maxCount + 1} of them, on a nice step. */
    public static double[] nice(double lo, double hi, int maxCount) {
        if (!(hi > lo)) {
            return new double[] {lo};
        }
        double step = niceStep(lo, hi, maxCount);
        List<Double> ticks = new ArrayList<>();
        double tolerance = step * 1e-9;
        for (long k = (long) Math.ceil((lo - tolerance) / step); k * step <= hi + tolerance; k++) {
            double v = k * step;
            ticks.add(Math.abs(v) < tolerance ? 0.0 : v);
        }
        return ticks.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Widens [lo, hi] outwards to multiples of a nice step, so axis ends are round numbers. */
    public static double[] niceRange(double lo, double hi, int maxCount) {
        if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            return new double[] {lo - pad, hi + pad};
        }
        double step = niceStep(lo, hi, maxCount);
        return new double[] {Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step};
    }

    /** A label for {@code value} on an axis whose ticks are {@code step} apart. */
    public static String format(double value, double step) {
        if (value == 0) {
            return "0";
        }
        double abs = Math.abs(value);
        if (abs >= 1e5 || abs < 1e-4 || step < 1e-4) {
            // As many significant digits as the step needs, so neighbouring ticks never print the same.
            int digits = (int) Math.floor(Math.log10(abs)) - (int) Math.floor(Math.log10(step) + 1e-9) + 1;
            if (step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9)) % 1 > 1e-6) {
                digits++;
            }
            return exponent(value, Math.max(1, Math.min(15, digits)));
        }
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (step * Math.pow(10, decimals) % 1 > 1e-6 && decimals < 6) {
            decimals++; // a step of 2.5 or 0.25 needs one digit more
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** A short label for a single value (colour bar ends, readouts): up to 4 significant digits. */
    public static String format(double value) {
        if (value == 0 || !Double.isFinite(value)) {
            return Double.isNaN(value) ? "NaN" : value == 0 ? "0" : value > 0 ? "inf" : "-inf";
        }
        double abs = Math.abs(value);
        if (abs >= 1e5 || abs < 1e-3) {
            return compactExponent(value);
        }
        String s = String.format(Locale.ROOT, "%.4g", value);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    /** A power of ten as a label: 1e-3, 1, 10, 1e4. */
    public static String powerOfTen(int exponent) {
        return switch (exponent) {
            case 0 -> "1";
            case 1 -> "10";
            case 2 -> "100";
            default -> "1e" + exponent;
        };
    }

    private static String compactExponent(double value) {
        return exponent(value, 3);
    }

    /** {@code value} as mantissa e exponent with up to {@code digits} significant digits: 1.5e-5, -4.27e6. */
    private static String exponent(double value, int digits) {
        String s = String.format(Locale.ROOT, "%." + (digits - 1) + "e", value); // 1.50e-05
        String mantissa = s.substring(0, s.indexOf('e')).replaceAll("0+$", "").replaceAll("\\.$", "");
        int exponent = Integer.parseInt(s.substring(s.indexOf('e') + 1));
        return mantissa + "e" + exponent;
    }
}
