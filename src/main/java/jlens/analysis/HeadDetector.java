package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;

/**
 * Head detectors with TransformerLens's {@code detect_head} semantics ({@code error_measure="mul"}): for each
 * layer and head, with A the head's attention pattern {@code [T, T]} and D the 0/1 detection pattern built from
 * the token ids ({@link HeadDetectKind#pattern}),
 *
 * <pre>
 *   if excludeBos:     A[:, 0] = 0
 *   if excludeCurrent: A[i, i] = 0 for every i
 *   score = sum(A * D) / sum(A)
 * </pre>
 *
 * summed over the whole matrix (every query, every key), and averaged over prompts: the mean of each prompt's
 * ratio, not a ratio of sums. A prompt needs at least two tokens.
 */
public final class HeadDetector {
    private HeadDetector() {}

    /** One head's score from its pattern {@code [T][T]}. */
    public static double score(double[][] pattern, boolean[][] detection, boolean excludeBos, boolean excludeCurrent) {
        int t = pattern.length;
        double matched = 0;
        double total = 0;
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                double a = kept(i, j, excludeBos, excludeCurrent) ? pattern[i][j] : 0;
                total += a;
                if (detection[i][j]) {
                    matched += a;
                }
            }
        }
        return matched / total;
    }

    /** Scores {@code [L][H]} of one prompt from its attention patterns {@code [L][H][T][T]}. */
    public static double[][] scores(double[][][][] patterns, long[] ids, HeadDetectKind kind, boolean excludeBos,
                                    boolean excludeCurrent) {
        boolean[][] d = detection(ids, kind);
        double[][] out = new double[patterns.length][];
        for (int l = 0; l < patterns.length; l++) {
            out[l] = new double[patterns[l].length];
            for (int h = 0; h < patterns[l].length; h++) {
                requireSquare(patterns[l][h], ids.length, l, h);
                out[l][h] = score(patterns[l][h], d, excludeBos, excludeCurrent);
            }
        }
        return out;
    }

    /** One layer's scores {@code [H]} from its pattern as stored at {@code hook_pattern}: {@code [1, H, T, T]} row-major. */
    static double[] layerScores(float[] pattern, int nHead, boolean[][] detection, boolean excludeBos,
                                boolean excludeCurrent) {
        int t = detection.length;
        if (pattern.length != (long) nHead * t * t) {
            throw new IllegalArgumentException("a pattern of " + pattern.length + " values is not [1, " + nHead + ", "
                    + t + ", " + t + "]");
        }
        double[] out = new double[nHead];
        for (int h = 0; h < nHead; h++) {
            double matched = 0;
            double total = 0;
            int base = h * t * t;
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    double a = kept(i, j, excludeBos, excludeCurrent) ? pattern[base + i * t + j] : 0;
                    total += a;
                    if (detection[i][j]) {
                        matched += a;
                    }
                }
            }
            out[h] = matched / total;
        }
        return out;
    }

    /** One prompt, from a cache that holds {@code blocks.{l}.attn.hook_pattern} of every layer. */
    public static HeadDetectResult detect(ActivationCache cache, long[] ids, HeadDetectKind kind, boolean excludeBos,
                                          boolean excludeCurrent) {
        boolean[][] d = detection(ids, kind);
        double[][] out = new double[cache.nLayer()][];
        for (int l = 0; l < out.length; l++) {
            NDArray p = cache.get(HookPoint.block(l, HookPoint.PATTERN)); // [1, NH, T, T]
            long[] s = p.getShape().getShape();
            if (s.length != 4 || s[0] != 1 || s[2] != ids.length || s[3] != ids.length) {
                throw new IllegalArgumentException("the cached pattern of layer " + l + " has shape " + p.getShape()
                        + "; expected [1, NH, " + ids.length + ", " + ids.length + "] for these tokens");
            }
            out[l] = layerScores(Tensors.floats(p), (int) s[1], d, excludeBos, excludeCurrent);
        }
        return new HeadDetectResult(kind.label(), excludeBos, excludeCurrent, 1, out);
    }

    /**
     * Runs each prompt through {@code model} and averages the prompts' scores. The patterns are scored inside
     * the pass, layer by layer, and never kept: a long prompt on a large model needs one layer's pattern at a time.
     */
    public static HeadDetectResult detect(Gpt2 model, List<long[]> prompts, HeadDetectKind kind, boolean excludeBos,
                                          boolean excludeCurrent) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts to detect heads on");
        }
        int nLayer = model.config().nLayer();
        int nHead = model.config().nHead();
        double[][] sum = new double[nLayer][nHead];
        for (long[] ids : prompts) {
            boolean[][] d = detection(ids, kind);
            double[][] one = new double[nLayer][];
            try (Hooks.Scope scope = model.hooks().scope(); NDManager out = model.manager().newSubManager()) {
                for (int l = 0; l < nLayer; l++) {
                    int layer = l;
                    scope.add(HookPoint.block(l, HookPoint.PATTERN), (name, pattern) -> {
                        one[layer] = layerScores(Tensors.floats(pattern), nHead, d, excludeBos, excludeCurrent);
                        return null;
                    });
                }
                model.forward(ids, out);
            }
            for (int l = 0; l < nLayer; l++) {
                for (int h = 0; h < nHead; h++) {
                    sum[l][h] += one[l][h] / prompts.size();
                }
            }
        }
        return new HeadDetectResult(kind.label(), excludeBos, excludeCurrent, prompts.size(), sum);
    }

    /** The mean of several results of the same detector and flags (a batch is the mean of its prompts). */
    public static HeadDetectResult mean(List<HeadDetectResult> results) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("nothing to average");
        }
        HeadDetectResult first = results.get(0);
        int total = results.stream().mapToInt(HeadDetectResult::prompts).sum();
        double[][] m = new double[first.nLayer()][first.nHead()];
        for (HeadDetectResult r : results) {
            if (!r.detector().equals(first.detector()) || r.excludeBos() != first.excludeBos()
                    || r.excludeCurrent() != first.excludeCurrent() || r.nLayer() != first.nLayer()
                    || r.nHead() != first.nHead()) {
                throw new IllegalArgumentException("cannot average detections of different patterns, flags or models");
            }
            for (int l = 0; l < m.length; l++) {
                for (int h = 0; h < m[l].length; h++) {
                    m[l][h] += r.scores()[l][h] * r.prompts() / total;
                }
            }
        }
        return new HeadDetectResult(first.detector(), first.excludeBos(), first.excludeCurrent(), total, m);
    }

    private static boolean[][] detection(long[] ids, HeadDetectKind kind) {
        if (ids.length < 2) {
            throw new IllegalArgumentException("head detection needs at least 2 tokens; got " + ids.length);
        }
        return kind.pattern(ids);
    }

    private static boolean kept(int i, int j, boolean excludeBos, boolean excludeCurrent) {
        return !(excludeBos && j == 0) && !(excludeCurrent && i == j);
    }

    private static void requireSquare(double[][] p, int t, int layer, int head) {
        if (p.length != t) {
            throw new IllegalArgumentException("the pattern of head " + layer + "." + head + " has " + p.length
                    + " rows for " + t + " tokens");
        }
        for (double[] row : p) {
            if (row.length != t) {
                throw new IllegalArgumentException("the pattern of head " + layer + "." + head + " is not " + t + " x " + t);
            }
        }
    }
}
