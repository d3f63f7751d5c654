package jlens.intervene;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * A sweep's results, one record per case in the spec's order, with views for plotting and saving.
 *
 * @param clean the target's log-prob without any ablation
 * @param naive whether the naive loop computed it
 * @param seconds wall time of the sweep, clean run included
 */
public record SweepResult(SweepSpec spec, double clean, List<SweepRecord> records, boolean naive, double seconds) {
    public SweepResult {
        records = List.copyOf(records);
    }

    /** The log-probs in case order. */
    public double[] logprobs() {
        return records.stream().mapToDouble(SweepRecord::logprob).toArray();
    }

    /** Log-prob by layer, for a sweep with one case per layer (NaN for layers not swept). */
    public double[] byLayer() {
        double[] out = filled(1 + max(SweepRecord::layer));
        for (SweepRecord r : records) {
            if (!Double.isNaN(out[r.layer()])) {
                throw new IllegalStateException("layer " + r.layer() + " has several cases; use byLayerAndHead or byLayerAndPosition");
            }
            out[r.layer()] = r.logprob();
        }
        return out;
    }

    /** Log-prob as a layer x head matrix (NaN where not swept). */
    public double[][] byLayerAndHead() {
        return matrix(SweepRecord::head, 1 + max(SweepRecord::head));
    }

    /** Log-prob as a layer x position matrix over the whole text (NaN where not swept). */
    public double[][] byLayerAndPosition() {
        return matrix(SweepRecord::position, spec.ids().length);
    }

    /** The records by the size of their effect, largest {@code |delta|} first: the most important heads. */
    public List<SweepRecord> ranked() {
        return records.stream().sorted(Comparator.comparingDouble((SweepRecord r) -> -Math.abs(r.delta()))).toList();
    }

    private double[][] matrix(ToIntFunction<SweepRecord> column, int width) {
        double[][] out = new double[1 + max(SweepRecord::layer)][];
        for (int l = 0; l < out.length; l++) {
            out[l] = filled(Math.max(width, 0));
        }
        for (SweepRecord r : records) {
            out[r.layer()][column.applyAsInt(r)] = r.logprob();
        }
        return out;
    }

    private int max(ToIntFunction<SweepRecord> f) {
        return records.stream().mapToInt(f).max().orElse(-1);
    }

    private static double[] filled(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }
}
