package jlens.intervene.steering;

import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import jlens.analysis.Checks;
import jlens.analysis.Metric;
import jlens.analysis.NdData;
import jlens.analysis.Npy;
import jlens.intervene.prompts.PromptSet;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;

/**
 * Steering vectors read from the model (activations of the plain model, with no changes in force), or given:
 *
 * <ul>
 *   <li>ActAdd ({@link #actAdd}, Turner et al., {@code activation_additions}): two prompts' residual streams entering
 *   a layer, position by position, the shorter padded on the right with a pad token (the token of " "); their
 *   difference is added to the first positions of the text, or the last position's difference at every position.
 *   <li>CAA ({@link #meanDifference}, Rimsky et al.): the mean over pairs of (positive - negative) at the last token.
 *   <li>The first principal direction of the pairs' differences ({@link #principalDirection}), with repeng's sign
 *   rule: the positives project higher than their negatives in most pairs.
 * </ul>
 */
public final class Steering {
    private Steering() {}

    /**
     * ActAdd from two texts: {@code a} - {@code b} at the residual entering {@code layer} (negative counts from the
     * end), the shorter padded on the right with the token of " "; labelled with the two texts.
     */
    public static SteeringVector actAdd(Gpt2 model, String a, String b, int layer, double coeff, boolean front) {
        long[] pa = model.tokenizer().encode(a);
        long[] pb = model.tokenizer().encode(b);
        if (pa.length == 0 || pb.length == 0) {
            throw new IllegalArgumentException("both steering prompts need at least one token; give two texts");
        }
        long pad = Metric.singleToken(model.tokenizer(), " ");
        return actAdd(model, pa, pb, pad, layer(model, layer), coeff, front, Metric.quote(a) + " - " + Metric.quote(b));
    }

    /**
     * CAA or the first principal direction from a prompt set's pairs: each line's text against its corrupted text, at
     * the last token of the residual entering {@code layer} (negative counts from the end).
     */
    public static SteeringVector fromSet(Gpt2 model, PromptSet set, int layer, boolean pca, double coeff) {
        if (!set.hasCorrupt()) {
            throw new IllegalArgumentException("steering from the set needs pairs: give every line a \"corrupt\" text (the"
                    + " negative of its pair)");
        }
        String label = (pca ? "first principal direction" : "mean difference") + " of " + set.size() + " pairs";
        return fromPairs(model, set.ids(false), set.ids(true), layer(model, layer), pca, coeff, label);
    }

    /**
     * A vector from a {@code .npy} file ({@link Npy#readFloats}, strictly read): {@code [d_model]} at {@code layer}
     * (negative counts from the end), or {@code [n_layer, d_model]} for every layer with {@code layer} null.
     */
    public static SteeringVector fromFile(Gpt2 model, Path file, Integer layer, double coeff) {
        NdData array;
        try {
            array = Npy.readFloats(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file; give the path of a .npy vector (written by 'save v.npy'"
                    + " or numpy.save)");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read it (" + e.getMessage() + "); check the path and its"
                    + " permissions");
        }
        int l = layer == null ? -1 : layer(model, layer);
        try {
            return given(model, array, l, coeff, file.getFileName().toString());
        } catch (IllegalArgumentException e) { // a shape that does not fit: the line names the file, as the reader's do
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@code layer}, negative counting from the end, checked against the model. */
    private static int layer(Gpt2 model, int layer) {
        return Checks.layer(layer, model.config().nLayer());
    }

    /**
     * ActAdd: {@code a} - {@code b} at {@code blocks.layer.hook_resid_pre}, position by position, the shorter padded on
     * the right with {@code pad}. {@code front}: the differences go to positions 0..P-1 ({@code [P, C]}); else the last
     * position's difference goes to every position ({@code [C]}).
     */
    public static SteeringVector actAdd(Gpt2 model, long[] a, long[] b, long pad, int layer, double coeff, boolean front,
                                        String label) {
        int p = Math.max(a.length, b.length);
        float[][] pa = residual(model, padded(a, p, pad), layer);
        float[][] pb = residual(model, padded(b, p, pad), layer);
        int c = model.config().nEmbd();
        if (!front) {
            return new SteeringVector(label, HookPoint.RESID_PRE, layer, difference(pa[p - 1], pb[p - 1]), new long[] {c}, coeff);
        }
        float[] data = new float[p * c];
        for (int i = 0; i < p; i++) {
            System.arraycopy(difference(pa[i], pb[i]), 0, data, i * c, c);
        }
        return new SteeringVector(label, HookPoint.RESID_PRE, layer, data, new long[] {p, c}, coeff);
    }

    /**
     * CAA, or the first principal direction: from the residual entering {@code layer} at each pair's last token
     * ({@code positives.get(i)} against {@code negatives.get(i)}).
     */
    public static SteeringVector fromPairs(Gpt2 model, List<long[]> positives, List<long[]> negatives, int layer, boolean pca,
                                           double coeff, String label) {
        float[][] pos = new float[positives.size()][];
        float[][] neg = new float[negatives.size()][];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = lastPosition(model, positives.get(i), layer);
            neg[i] = lastPosition(model, negatives.get(i), layer);
        }
        float[] v = pca ? principalDirection(pos, neg) : meanDifference(pos, neg);
        return new SteeringVector(label, HookPoint.RESID_PRE, layer, v, new long[] {v.length}, coeff);
    }

    /**
     * A vector given as an array: {@code [C]} at {@code layer}, or {@code [L, C]} for every layer ({@code layer} -1).
     *
     * @throws IllegalArgumentException when the shape does not fit the model, saying what would
     */
    public static SteeringVector given(Gpt2 model, NdData array, int layer, double coeff, String label) {
        long[] s = array.shape();
        int c = model.config().nEmbd();
        int nLayer = model.config().nLayer();
        float[] data = array.f32();
        if (s.length == 1 && s[0] == c) {
            if (layer < 0) {
                throw new IllegalArgumentException("a vector of shape [" + c + "] needs a layer: 'layer L'");
            }
            return new SteeringVector(label, HookPoint.RESID_PRE, layer, data, s, coeff);
        }
        if (s.length == 2 && s[0] == nLayer && s[1] == c) {
            if (layer >= 0) {
                throw new IllegalArgumentException("a vector of shape [" + nLayer + ", " + c + "] has a row for every layer;"
                        + " leave 'layer' out");
            }
            return new SteeringVector(label, HookPoint.RESID_PRE, -1, data, s, coeff);
        }
        throw new IllegalArgumentException("a steering vector for this model is [" + c + "] (d_model) or [" + nLayer + ", " + c
                + "] (a row per layer); this one is " + Arrays.toString(s));
    }

    /** The mean over pairs of {@code positives[i] - negatives[i]}. */
    public static float[] meanDifference(float[][] positives, float[][] negatives) {
        double[][] d = differences(positives, negatives);
        int c = d[0].length;
        double[] sum = new double[c];
        for (double[] row : d) {
            for (int k = 0; k < c; k++) {
                sum[k] += row[k];
            }
        }
        float[] out = new float[c];
        for (int k = 0; k < c; k++) {
            out[k] = (float) (sum[k] / d.length);
        }
        return out;
    }

    /**
     * The first principal direction of the pairs' differences (a unit vector): the top right singular vector of the
     * difference matrix, not centred, since centring would remove exactly the direction shared by pairs that all
     * differ the same way. Signed by repeng's rule: it points so that each positive projects higher than its
     * negative in most pairs (kept as found on a tie).
     */
    public static float[] principalDirection(float[][] positives, float[][] negatives) {
        double[][] d = differences(positives, negatives);
        int c = d[0].length;
        double[] v = new double[c];
        double[] start = new double[c]; // the mean difference, or the largest difference when that is zero
        for (double[] row : d) {
            for (int k = 0; k < c; k++) {
                start[k] += row[k];
            }
        }
        if (norm(start) == 0) {
            double best = -1;
            for (double[] row : d) {
                if (norm(row) > best) {
                    best = norm(row);
                    start = row.clone();
                }
            }
        }
        if (norm(start) == 0) {
            throw new IllegalArgumentException("every pair's difference is zero: there is no direction to find");
        }
        System.arraycopy(start, 0, v, 0, c);
        scale(v, 1 / norm(v));
        for (int iteration = 0; iteration < 500; iteration++) { // power iteration on D^T D
            double[] next = new double[c];
            for (double[] row : d) {
                double dot = dot(row, v);
                for (int k = 0; k < c; k++) {
                    next[k] += dot * row[k];
                }
            }
            double n = norm(next);
            if (n == 0) {
                break;
            }
            scale(next, 1 / n);
            double change = 0;
            for (int k = 0; k < c; k++) {
                change = Math.max(change, Math.abs(next[k] - v[k]));
            }
            v = next;
            if (change < 1e-12) {
                break;
            }
        }
        int higher = 0;
        int lower = 0;
        for (int i = 0; i < positives.length; i++) {
            double p = dot(positives[i], v);
            double q = dot(negatives[i], v);
            higher += p > q ? 1 : 0;
            lower += p < q ? 1 : 0;
        }
        if (lower > higher) {
            scale(v, -1);
        }
        float[] out = new float[c];
        for (int k = 0; k < c; k++) {
            out[k] = (float) v[k];
        }
        return out;
    }

    private static double[][] differences(float[][] positives, float[][] negatives) {
        if (positives.length == 0 || positives.length != negatives.length) {
            throw new IllegalArgumentException("a direction needs pairs: " + positives.length + " positives and "
                    + negatives.length + " negatives");
        }
        double[][] d = new double[positives.length][];
        for (int i = 0; i < d.length; i++) {
            if (positives[i].length != negatives[i].length || positives[i].length != positives[0].length) {
                throw new IllegalArgumentException("pair " + i + " has vectors of " + positives[i].length + " and "
                        + negatives[i].length + " values");
            }
            d[i] = new double[positives[i].length];
            for (int k = 0; k < d[i].length; k++) {
                d[i][k] = (double) positives[i][k] - negatives[i][k];
            }
        }
        return d;
    }

    /** The residual entering {@code layer} at every position, {@code [T][C]}, from a plain pass. */
    private static float[][] residual(Gpt2 model, long[] ids, int layer) {
        String name = HookPoint.block(checkLayer(model, layer), HookPoint.RESID_PRE);
        try (Gpt2.Run run = model.run(ids, List.of(name), ids.length - 1)) {
            float[] flat = run.cache().get(name).toType(DataType.FLOAT32, false).toFloatArray(); // [1, T, C]
            int c = model.config().nEmbd();
            float[][] out = new float[ids.length][];
            for (int i = 0; i < ids.length; i++) {
                out[i] = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
            }
            return out;
        }
    }

    private static float[] lastPosition(Gpt2 model, long[] ids, int layer) {
        float[][] all = residual(model, ids, layer);
        return all[all.length - 1];
    }

    private static int checkLayer(Gpt2 model, int layer) {
        if (layer < 0 || layer >= model.config().nLayer()) {
            throw new IllegalArgumentException("layer " + layer + " is out of range: the model has layers 0.."
                    + (model.config().nLayer() - 1));
        }
        return layer;
    }

    private static long[] padded(long[] ids, int length, long pad) {
        long[] out = Arrays.copyOf(ids, length);
        Arrays.fill(out, ids.length, length, pad);
        return out;
    }

    private static float[] difference(float[] a, float[] b) {
        float[] out = new float[a.length];
        for (int k = 0; k < a.length; k++) {
            out[k] = a[k] - b[k];
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += a[k] * b[k];
        }
        return s;
    }

    private static double dot(float[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += a[k] * b[k];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static void scale(double[] a, double f) {
        for (int k = 0; k < a.length; k++) {
            a[k] *= f;
        }
    }
}
