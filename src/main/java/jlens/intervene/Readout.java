package jlens.intervene;

import ai.djl.ndarray.NDArray;
import jlens.analysis.Metric;
import java.util.List;
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

    /**
     * The hook points whose activations this read-out reads (after the run's changes, at every position); none for a
     * read-out of the logits. Such a read-out is read at the last position: the run recomputes what can differ.
     */
    default List<String> hooks() {
        return List.of();
    }

    /** The numbers from the run's activations at {@link #hooks()}, each {@code [1, T, ...]}, in that order. */
    default double[] fromActivations(List<NDArray> activations) {
        throw new UnsupportedOperationException("this read-out reads the logits");
    }

    /**
     * The activations at {@code hooks} (exact names), every position: per hook its values {@code [T, ...]} laid out
     * flat, one after the other. Path patching reads a receiver's query from a run this way.
     */
    static Readout activations(List<String> hooks) {
        return new ActivationReadout(List.copyOf(hooks));
    }

    /** What {@link #activations} returns. */
    record ActivationReadout(List<String> hooks) implements Readout {
        public ActivationReadout {
            if (hooks.isEmpty()) {
                throw new IllegalArgumentException("an activation read-out reads at least one hook point");
            }
        }

        @Override
        public int position(int tokens) {
            return tokens - 1;
        }

        @Override
        public double[][] fromResidual(Gpt2 model, NDArray rows) {
            throw new UnsupportedOperationException("this read-out reads activations");
        }

        @Override
        public double[] fromLogits(float[] logits) {
            throw new UnsupportedOperationException("this read-out reads activations");
        }

        @Override
        public double[] fromActivations(List<NDArray> activations) {
            List<float[]> parts = new java.util.ArrayList<>();
            int n = 0;
            for (NDArray a : activations) {
                float[] f = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
                parts.add(f);
                n += f.length;
            }
            double[] out = new double[n];
            int at = 0;
            for (float[] f : parts) {
                for (float v : f) {
                    out[at++] = v;
                }
            }
            return out;
        }
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
