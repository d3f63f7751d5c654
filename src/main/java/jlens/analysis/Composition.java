package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;
import jlens.model.Gpt2Weights;

/**
 * Elhage et al.'s composition scores between every earlier head's OV circuit and every later head's Q, K or V input,
 * as TransformerLens's {@code HookedTransformer.all_composition_scores} computes them on a model loaded with its
 * defaults ({@code fold_ln}, {@code center_writing_weights}):
 *
 * <pre>
 *   W_Q, W_K, W_V = ln_1.weight (folded into the rows) x c_attn's head columns, each centred over d_model
 *   W_O            = c_proj's head rows, each centred over d_model
 *   OV(A) = W_V W_O;   right(B) = W_Q W_K^T (q),  W_K W_Q^T (k),  W_V W_O (v)     [d_model, d_model]
 *   score(A, B) = |OV(A) right(B)|_F / (|OV(A)|_F |right(B)|_F)   where layer(A) < layer(B), else 0
 * </pre>
 *
 * Biases play no part (TransformerLens folds LayerNorm's bias and b_V into biases, which the scores do not read).
 * Computed without forming a [d_model, d_model] product: |A M B^T|_F^2 = sum((A^T A M) * (M B^T B)) with the middle
 * M = W_O(A) W_Q(B) (or W_K, W_V) of [d_head, d_head].
 */
public final class Composition {
    private Composition() {}

    /** The scores of {@code model}'s weights for input {@code part} of the receiving heads. */
    public static Scores of(Gpt2 model, QkvPart part) {
        return of(model.weights(), model.config(), part);
    }

    public static Scores of(Gpt2Weights weights, Gpt2Config config, QkvPart part) {
        int nl = config.nLayer();
        int nh = config.nHead();
        int n = nl * nh;
        float[] out = new float[n * n];
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray[] q = new NDArray[nl];
            NDArray[] k = new NDArray[nl];
            NDArray[] v = new NDArray[nl];
            NDArray[] o = new NDArray[nl];
            for (int l = 0; l < nl; l++) {
                NDArray[] w = headWeights(weights, config, l, m); // W_Q, W_K, W_V [NH, C, HS]; W_O [NH, HS, C]
                q[l] = w[0];
                k[l] = w[1];
                v[l] = w[2];
                o[l] = w[3];
            }
            for (int a = 0; a < nl; a++) {
                NDArray gramV = v[a].transpose(0, 2, 1).matMul(v[a]); // [NH, HS, HS]: W_V^T W_V of each sender
                NDArray ovNorm = frobeniusOfProduct(v[a], o[a]); // [NH]
                for (int b = a + 1; b < nl; b++) {
                    NDArray reads = part == QkvPart.Q ? q[b] : part == QkvPart.K ? k[b] : v[b]; // [NH, C, HS]
                    NDArray gramB = switch (part) {
                        case Q -> k[b].transpose(0, 2, 1).matMul(k[b]); // W_K^T W_K
                        case K -> q[b].transpose(0, 2, 1).matMul(q[b]); // W_Q^T W_Q
                        case V -> o[b].matMul(o[b].transpose(0, 2, 1)); // W_O W_O^T
                    }; // [NH, HS, HS]
                    NDArray rightNorm = switch (part) {
                        case Q -> frobeniusOfProduct(q[b], k[b].transpose(0, 2, 1));
                        case K -> frobeniusOfProduct(k[b], q[b].transpose(0, 2, 1));
                        case V -> frobeniusOfProduct(v[b], o[b]);
                    }; // [NH]
                    NDArray middle = o[a].expandDims(1).matMul(reads.expandDims(0)); // [NH_a, NH_b, HS, HS]
                    NDArray left = gramV.expandDims(1).matMul(middle); // (W_V^T W_V) M
                    NDArray right = middle.matMul(gramB.expandDims(0)); // M (B^T B)
                    NDArray comp = left.mul(right).sum(new int[] {2, 3}).maximum(0).sqrt(); // [NH_a, NH_b]
                    NDArray score = comp.div(ovNorm.expandDims(1)).div(rightNorm.expandDims(0));
                    float[] s = score.toType(DataType.FLOAT32, false).toFloatArray();
                    for (int ha = 0; ha < nh; ha++) {
                        for (int hb = 0; hb < nh; hb++) {
                            out[(a * nh + ha) * n + b * nh + hb] = s[ha * nh + hb];
                        }
                    }
                }
            }
        }
        return new Scores(part, nl, nh, out);
    }

    /** |X Y|_F for each head, from the Gram matrices: sum((X^T X) * (Y Y^T)). X [NH, C, HS], Y [NH, HS, C]. */
    private static NDArray frobeniusOfProduct(NDArray x, NDArray y) {
        NDArray gx = x.transpose(0, 2, 1).matMul(x); // [NH, HS, HS]
        NDArray gy = y.matMul(y.transpose(0, 2, 1)); // [NH, HS, HS]
        return gx.mul(gy).sum(new int[] {1, 2}).maximum(0).sqrt(); // [NH]
    }

    /**
     * Layer {@code l}'s heads as TransformerLens holds them after its weight processing: W_Q, W_K, W_V
     * {@code [NH, C, HS]} with ln_1's weight folded into the rows and each column centred over d_model, W_O
     * {@code [NH, HS, C]} with each row centred over d_model.
     */
    static NDArray[] headWeights(Gpt2Weights weights, Gpt2Config config, int l, NDManager m) {
        int c = config.nEmbd();
        int nh = config.nHead();
        int hs = c / nh;
        String block = "h." + l + ".";
        NDArray ln = weights.copy(block + "ln_1.weight", m).toType(DataType.FLOAT32, false); // [C]
        NDArray attn = weights.copy(block + "attn.c_attn.weight", m).toType(DataType.FLOAT32, false); // [C, 3C]
        NDArray proj = weights.copy(block + "attn.c_proj.weight", m).toType(DataType.FLOAT32, false); // [C, C]
        NDArray folded = attn.mul(ln.reshape(c, 1)); // [C, 3C]: LayerNorm's weight scales what each row reads
        NDArray[] out = new NDArray[4];
        for (int part = 0; part < 3; part++) {
            NDArray w = folded.get(new NDIndex(":, {}:{}", part * c, (part + 1) * c)) // [C, C]
                    .reshape(c, nh, hs).transpose(1, 0, 2); // [NH, C, HS]
            out[part] = w.sub(w.mean(new int[] {1}, true)); // centred over d_model: LayerNorm's output sums to 0
        }
        NDArray wo = proj.reshape(nh, hs, c); // [NH, HS, C]: head h's rows of c_proj
        out[3] = wo.sub(wo.mean(new int[] {2}, true)); // centred over d_model, as center_writing_weights does
        return out;
    }

    /**
     * Composition scores {@code [L*H, L*H]}: row = the earlier (sending) head {@code layer * H + head}, column = the
     * later (receiving) head; 0 where the sender is not in an earlier layer.
     *
     * @param part which input of the receiving head: Q, K or V composition
     */
    public record Scores(QkvPart part, int nLayer, int nHead, float[] values) implements AnalysisResult {
        public Scores {
            int n = nLayer * nHead;
            if (values.length != n * n) {
                throw new IllegalArgumentException("composition scores of " + n + " heads need " + n * n + " values");
            }
        }

        /** The score of sender (la, ha) into receiver (lb, hb). */
        public float get(int la, int ha, int lb, int hb) {
            int n = nLayer * nHead;
            return values[(la * nHead + ha) * n + lb * nHead + hb];
        }

        /** The scores as rows (senders) of columns (receivers), for a heatmap. */
        public double[][] matrix() {
            int n = nLayer * nHead;
            double[][] out = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    out[i][j] = values[i * n + j];
                }
            }
            return out;
        }

        /** Head labels in jlens's one notation, {@code LAYER.HEAD} ({@code 0.1}; TransformerLens's {@code L0H1}). */
        public String[] labels() {
            String[] out = new String[nLayer * nHead];
            for (int l = 0; l < nLayer; l++) {
                for (int h = 0; h < nHead; h++) {
                    out[l * nHead + h] = l + "." + h;
                }
            }
            return out;
        }

        @Override
        public NdData array() {
            int n = nLayer * nHead;
            return NdData.of(new long[] {n, n}, values);
        }

        @Override
        public List<String> columns() {
            return List.of("sender_layer", "sender_head", "receiver_layer", "receiver_head", part.label() + "_composition");
        }

        @Override
        public int rowCount() {
            int count = 0;
            for (int la = 0; la < nLayer; la++) {
                count += nHead * nHead * (nLayer - 1 - la);
            }
            return count;
        }

        /** Pairs whose score is 0/0: a head whose weights are all zero (TransformerLens gives NaN there too). */
        @Override
        public String undefinedNote() {
            int n = 0;
            for (int i = 0; i < rowCount(); i++) {
                n += Float.isNaN((Float) row(i)[4]) ? 1 : 0;
            }
            return n == 0 ? "" : n + " pairs undefined (a head whose weights are all zero: 0/0)";
        }

        /** One row per pair of heads in different layers, earlier first; the masked pairs are not rows. */
        @Override
        public Object[] row(int i) {
            int k = 0;
            for (int la = 0; la < nLayer; la++) {
                for (int ha = 0; ha < nHead; ha++) {
                    int later = nHead * (nLayer - 1 - la);
                    if (i < k + later) {
                        int r = i - k;
                        int lb = la + 1 + r / nHead;
                        int hb = r % nHead;
                        return new Object[] {la, ha, lb, hb, get(la, ha, lb, hb)};
                    }
                    k += later;
                }
            }
            throw new IndexOutOfBoundsException(i);
        }
    }
}
