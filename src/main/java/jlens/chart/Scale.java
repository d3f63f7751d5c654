package jlens.chart;

import java.util.ArrayList;
import java.util.List;

/**
 * A numeric axis range, linear or base-10 logarithmic, that maps values to fractions and to cells and
 * makes tick labels.
 *
 * @param lo the value at the low end
 * @param hi the value at the high end (greater than lo; both positive when log)
 * @param log whether the axis is logarithmic
 */
record Scale(double lo, double hi, boolean log) {
    Scale {
        if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= log ? 0 : pad;
            hi += pad;
        }
        if (log && !(lo > 0)) {
            throw new IllegalArgumentException("a log axis needs positive bounds, got " + lo);
        }
    }

    /** A linear scale over [lo, hi] widened to nice round ends. */
    static Scale niceLinear(double lo, double hi, int tickCount) {
        double[] r = Ticks.niceRange(lo, hi, tickCount);
        return new Scale(r[0], r[1], false);
    }

    /** A log scale over whole decades around [lo, hi]. */
    static Scale niceLog(double lo, double hi) {
        double a = Math.pow(10, Math.floor(Math.log10(lo)));
        double b = Math.pow(10, Math.ceil(Math.log10(hi)));
        return new Scale(a, b > a ? b : a * 10, true);
    }

    /** Where {@code v} lies, 0 at lo and 1 at hi (may fall outside [0, 1]; NaN for v <= 0 on a log axis). */
    double fraction(double v) {
        if (log) {
            return v > 0 ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : Double.NaN;
        }
        return (v - lo) / (hi - lo);
    }

    /** The pixel of {@code v} on an axis of {@code pixels}, counted from the low end. */
    int pixel(double v, int pixels) {
        return (int) Math.round(fraction(v) * (pixels - 1));
    }

    /** Tick values with labels, about {@code maxCount} of them. */
    List<double[]> tickValues(int maxCount) {
        List<double[]> out = new ArrayList<>();
        if (log) {
            int from = (int) Math.ceil(Math.log10(lo) - 1e-9);
            int to = (int) Math.floor(Math.log10(hi) + 1e-9);
            int stride = Math.max(1, (int) Math.ceil((to - from + 1) / (double) Math.max(1, maxCount)));
            for (int e = from; e <= to; e += stride) {
                out.add(new double[] {Math.pow(10, e), e});
            }
            return out;
        }
        for (double v : Ticks.nice(lo, hi, maxCount)) {
            out.add(new double[] {v});
        }
        return out;
    }

    /** Ticks for a vertical axis of {@code rows} cells (row 0 at the top). */
    List<PlotFrame.Tick> yTicks(int rows) {
        return ticks(rows, Math.max(1, rows / 3), true);
    }

    /** Ticks for a horizontal axis of {@code columns} cells, spaced for labels of about 6 characters. */
    List<PlotFrame.Tick> xTicks(int columns) {
        return ticks(columns, Math.max(1, columns / 9), false, false);
    }

    /** Ticks for a horizontal axis of whole numbers (layers): never a fractional tick. */
    List<PlotFrame.Tick> integerXTicks(int columns) {
        return ticks(columns, Math.max(1, columns / 6), false, true);
    }

    private List<PlotFrame.Tick> ticks(int cells, int maxCount, boolean vertical) {
        return ticks(cells, maxCount, vertical, false);
    }

    private List<PlotFrame.Tick> ticks(int cells, int maxCount, boolean vertical, boolean integers) {
        List<PlotFrame.Tick> ticks = new ArrayList<>();
        double step = Ticks.niceStep(lo, hi, maxCount);
        if (integers && !log) {
            step = Math.max(1, Math.round(step));
            for (double v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
                ticks.add(new PlotFrame.Tick(cellOf(v, cells, vertical), Long.toString(Math.round(v))));
            }
            return ticks;
        }
        for (double[] t : tickValues(maxCount)) {
            String label = log ? Ticks.powerOfTen((int) t[1]) : Ticks.format(t[0], step);
            ticks.add(new PlotFrame.Tick(cellOf(t[0], cells, vertical), label));
        }
        return ticks;
    }

    /**
     * The cell that holds value v, found through the same braille pixel grid (2 dots across, 4 down per
     * cell) that lines and points are drawn on, so a tick sits exactly on the column or row of its points.
     */
    int cellOf(double v, int cells, boolean vertical) {
        if (vertical) {
            int pixels = cells * 4;
            return (pixels - 1 - pixel(v, pixels)) / 4;
        }
        return pixel(v, cells * 2) / 2;
    }

    /** The widest label of {@link #yTicks}. */
    int labelWidth(int rows) {
        int w = 1;
        for (PlotFrame.Tick t : yTicks(rows)) {
            w = Math.max(w, t.label().length());
        }
        return w;
    }
}
