package jlens.analysis;

import ai.djl.ndarray.NDArray;
import java.util.List;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * Splits a layer's captured {@code blocks.{l}.attn.hook_qkv} ({@code c_attn}'s output {@code [1, T, 3C]}, Q, K and V
 * side by side, the notebook's hook) into Q, K and V, and a part into heads.
 */
public final class QkvSplitter {
    private QkvSplitter() {}

    /**
     * Q, K, V of {@code layer} (negative counts from the end) over positions {@code firstPosition..T-1}.
     *
     * @throws IllegalArgumentException for a layer or first position out of range, or a layer whose
     *     {@code hook_qkv} was not captured
     */
    public static QkvSplit split(ActivationCache cache, Gpt2Config config, int layer, int firstPosition) {
        int l = Checks.layer(layer, config.nLayer());
        return split(cache.get(HookPoint.block(l, HookPoint.QKV)), config, l, firstPosition);
    }

    /** As {@link #split(ActivationCache, Gpt2Config, int, int)}, from layer {@code layer}'s captured {@code hook_qkv}. */
    public static QkvSplit split(NDArray qkv, Gpt2Config config, int layer, int firstPosition) {
        int l = Checks.layer(layer, config.nLayer());
        String name = HookPoint.block(l, HookPoint.QKV); // [1, T, 3C]
        Tensors.requireSingleSequence(qkv, 3, name);
        int t = (int) qkv.getShape().get(1);
        int c = (int) (qkv.getShape().get(2) / 3);
        if (c != config.nEmbd()) {
            throw new IllegalArgumentException(name + " has width " + qkv.getShape().get(2) + ", not 3 x n_embd = " + 3 * config.nEmbd());
        }
        int first = Checks.firstPosition(firstPosition, t);
        float[] all = Tensors.floats(qkv); // [T, 3C] row-major
        int rows = t - first;
        float[] q = new float[rows * c];
        float[] k = new float[rows * c];
        float[] v = new float[rows * c];
        for (int r = 0; r < rows; r++) {
            int from = (first + r) * 3 * c;
            System.arraycopy(all, from, q, r * c, c);
            System.arraycopy(all, from + c, k, r * c, c);
            System.arraycopy(all, from + 2 * c, v, r * c, c);
        }
        return new QkvSplit(l, first, t, c, q, k, v);
    }

    /** From one pass of {@code ids} that captures only this layer's {@code hook_qkv}. */
    public static QkvSplit split(Gpt2 model, long[] ids, int layer, int firstPosition) {
        Gpt2Config config = model.config();
        String hook = HookPoint.block(Checks.layer(layer, config.nLayer()), HookPoint.QKV);
        return CapturedPass.analyse(model, ids, List.of(hook), run -> split(run.cache(), config, layer, firstPosition));
    }

    /** One part of a split, cut into {@code nHead} heads of width {@code dModel / nHead}. */
    public static HeadSplit heads(QkvSplit split, QkvPart part, int nHead) {
        if (nHead < 1 || split.dModel() % nHead != 0) {
            throw new IllegalArgumentException("cannot split width " + split.dModel() + " into " + nHead + " equal heads");
        }
        int hs = split.dModel() / nHead;
        int rows = split.positions();
        float[] values = split.part(part); // [positions, C]
        float[][] heads = new float[nHead][rows * hs]; // [NH][positions, HS]
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < nHead; h++) {
                System.arraycopy(values, r * split.dModel() + h * hs, heads[h], r * hs, hs);
            }
        }
        return new HeadSplit(split.layer(), part, split.firstPosition(), rows, nHead, hs, heads);
    }

    /** The REPL's {@code split heads}: {@code part} of {@code layer} in the model's heads. */
    public static HeadSplit heads(ActivationCache cache, Gpt2Config config, int layer, QkvPart part, int firstPosition) {
        return heads(split(cache, config, layer, firstPosition), part, config.nHead());
    }
}
