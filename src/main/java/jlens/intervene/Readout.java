package jlens.intervene;

import ai.djl.ndarray.NDArray;
import jlens.analysis.Metric;
import jlens.model.Gpt2;

/**
 * What an {@link Experiment} reads from its run: numbers from the logits at one position. The fast path reads them
 * from the final residual of a batch's rows (skipping the unembedding where it can), the oracle from the full
 * logits; both give the same numbers to float rounding.
 */
public interface Readout {
    /** The position whose logits are read, in a text of {@code tokens} tokens. */
    int position(int tokens);

    /** The numbers of each row of final residuals {@code [N, C]} (before the final LayerNorm) at that position. */
    double[][] fromResidual(Gpt2 model, NDArray rows);

    /** The numbers of one row of logits {@code [V]}. */
    double[] fromLogits(float[] logits);

    /** The metric this reads, when it is one (attribution patching takes its gradient); null otherwise. */
    default Metric metric() {
        return null;
    }

    /** A metric's value: {@code logit[A] - logit[B]} or a log-prob at the metric's position. */
    static Readout of(Metric m) {
        return new MetricReadout(m);
    }

    /** A {@link Metric} as a read-out of one number. */
    record MetricReadout(Metric metric) implements Readout {
        /** Rows per unembedding product for a log-prob: bounds the {@code [rows, V]} logits. */
        private static final int UNEMBED_ROWS = 128;

        @Override
        public int position(int tokens) {
            return metric.at(tokens);
        }

        @Override
        public double[][] fromResidual(Gpt2 model, NDArray rows) {
            double[] m = metric.ofFinalResidual(model, rows, UNEMBED_ROWS);
            double[][] out = new double[m.length][];
            for (int i = 0; i < m.length; i++) {
                out[i] = new double[] {m[i]};
            }
            return out;
        }

        @Override
        public double[] fromLogits(float[] logits) {
            return new double[] {metric.ofLogits(logits)};
        }
    }
}
