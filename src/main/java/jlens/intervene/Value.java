package jlens.intervene;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What an {@link Intervention} puts into its cells. Every kind goes in through the same select (see
 * {@link SiteEdits}): a replaced cell gets exactly the new value, a cell outside keeps its own, NaN and infinities
 * included.
 */
public sealed interface Value {
    /** Zeros: a knock-out. */
    record Zero() implements Value {}

    /** The activation times {@code factor}. */
    record Scale(double factor) implements Value {}

    /** The activation plus {@code coeff} times {@code vector}: steering. */
    record Add(Table vector, double coeff, String label) implements Value {}

    /** Given values, such as a prompt set's mean by position. */
    record Put(Table values, String label) implements Value {}

    /**
     * The same cells in the run of {@code ids} (with the changes in force, none of the experiment's own): activation
     * patching in either direction, resample ablation.
     */
    record FromRun(long[] ids, String label) implements Value {}

    /** The mean over every position of the activation in the run of {@code ids}: mean ablation within a text. */
    record MeanOfRun(long[] ids) implements Value {}

    /**
     * Senders re-routed: the activation plus, for each sender, its value in the run of {@code ids} minus its value in
     * this very pass, times a weight. A receiver then sees those senders as they were in the other run and everything
     * else as it is here: an edge of a computational graph carrying its corrupted sender (EAP-IG's graph), and a
     * circuit run with every edge outside it corrupted. Only this pass's own values make the second: the senders'
     * outputs change when the edges into them do.
     *
     * @param ids the run the senders' values come from
     * @param senders hook points before this one in the forward pass, each whole (an activation {@code [B, T, C]}) or
     *     one head of a per-head point ({@code [B, T, NH, C]}, such as {@code attn.hook_result})
     * @param weights per sender, one weight (at a hook point {@code [B, T, C]}) or one per head (at a per-head point
     *     {@code [B, T, NH, C]}, such as {@code hook_q_input}), sender-major; 0 leaves that head as it is
     */
    record Senders(long[] ids, List<Sender> senders, float[] weights, String label) implements Value {
        public Senders {
            ids = ids.clone();
            senders = List.copyOf(senders);
            weights = weights.clone();
            if (senders.isEmpty() || weights.length % senders.size() != 0) {
                throw new IllegalArgumentException("re-routed senders need at least one sender and the same number of"
                        + " weights for each: " + senders.size() + " senders, " + weights.length + " weights");
            }
        }

        /** The weights of each sender: 1, or the number of heads at the receiving hook point. */
        public int perSender() {
            return weights.length / senders.size();
        }
    }

    /** A sender of {@link Senders}: a hook point, whole ({@code head} -1) or one head's slice of it. */
    record Sender(String hook, int head) {}

    /** Anything else, in Java: new values for the whole activation, of which the cells are taken. */
    record Fn(Edit edit, String label) implements Value {}

    /**
     * A change written in Java. It must return a new array of the activation's shape (never edit in place), and
     * may ignore the cells: only the cells' values are taken from it.
     */
    @FunctionalInterface
    interface Edit {
        /**
         * @param activation the pass's activation at the hook point, {@code [B, T, ...]} (or {@code [B, NH, T, K]})
         * @param start the sequence position of the activation's first position (0 but in cached steps and windows)
         */
        NDArray apply(NDArray activation, int start);
    }

    /**
     * Values for one position of a hook point ({@code C}, or {@code NH x HS} at a per-head point, flattened), given
     * once for every position ({@code positions} 0) or per position for positions {@code 0..positions-1}.
     */
    record Table(float[] data, int positions) {
        public Table {
            data = data.clone();
            if (positions < 0 || data.length == 0 || (positions > 0 && data.length % positions != 0)) {
                throw new IllegalArgumentException("a table holds one row or a row per position: " + data.length
                        + " values for " + positions + " positions");
            }
        }

        /** One row for every position. */
        public static Table of(float[] row) {
            return new Table(row, 0);
        }

        /** Values per position {@code 0..rows.length-1}. */
        public static Table byPosition(float[][] rows) {
            int w = rows[0].length;
            float[] flat = new float[rows.length * w];
            for (int p = 0; p < rows.length; p++) {
                if (rows[p].length != w) {
                    throw new IllegalArgumentException("rows of " + w + " and " + rows[p].length + " values");
                }
                System.arraycopy(rows[p], 0, flat, p * w, w);
            }
            return new Table(flat, rows.length);
        }

        /** Values of one position. */
        public int width() {
            return positions == 0 ? data.length : data.length / positions;
        }

        /** The Euclidean norm of the values (of every row together). */
        public double norm() {
            double s = 0;
            for (float v : data) {
                s += (double) v * v;
            }
            return Math.sqrt(s);
        }
    }

    static Value zero() {
        return new Zero();
    }

    static Value scale(double factor) {
        return new Scale(factor);
    }

    static Value add(Table vector, double coeff, String label) {
        return new Add(vector, coeff, label);
    }

    static Value fromRun(long[] ids) {
        return new FromRun(ids.clone(), "patched from a run of " + ids.length + " tokens");
    }

    static Value meanOfRun(long[] ids) {
        return new MeanOfRun(ids.clone());
    }

    /**
     * Resample ablation: the value of another prompt of a set, prompt {@code SplittableRandom(seed)}'s first pick
     * among {@code candidates} (the same seed picks the same prompt).
     */
    static Value resample(List<long[]> candidates, long seed) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("resampling needs at least one other prompt");
        }
        int pick = new SplittableRandom(seed).nextInt(candidates.size());
        return new FromRun(candidates.get(pick).clone(), "resampled from prompt " + pick + " (seed " + seed + ")");
    }

    /** Whether the value needs another run's activations (patching, resampling, a run's mean, re-routed senders). */
    default boolean needsRun() {
        return runIds() != null;
    }

    /** The token ids of the run the value reads, or null for a value of its own. */
    default long[] runIds() {
        return this instanceof FromRun f ? f.ids() : this instanceof MeanOfRun m ? m.ids() : this instanceof Senders s ? s.ids() : null;
    }

    /** The value for a reader: {@code zeroed}, {@code + 4 x steering vector}, {@code patched from ...}. */
    default String describe() {
        if (this instanceof Zero) {
            return "zeroed";
        }
        if (this instanceof Scale s) {
            return "scaled by " + num(s.factor());
        }
        if (this instanceof Add a) {
            return "+ " + num(a.coeff()) + " x " + a.label();
        }
        if (this instanceof Put p) {
            return "set to " + p.label();
        }
        if (this instanceof FromRun f) {
            return f.label();
        }
        if (this instanceof MeanOfRun) {
            return "set to its mean over positions";
        }
        if (this instanceof Senders s) {
            return s.label();
        }
        return ((Fn) this).label();
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
