package jlens.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import jlens.hook.Hooks;

/**
 * Batching machinery for sweeps, kept apart from {@link Gpt2}'s textbook block: one block on a lead sequence and,
 * in the same matrix products, a rider batch. The lead is what {@code model.block(l, x, prefix, hooks)} takes,
 * with batch 1. The rider {@code [R, W, C]} holds R variants of positions {@code riderStart..riderStart+W-1} that
 * attend to the lead's keys and values of the positions before {@code riderStart} (from {@code prefix}, then from
 * this call), with hooks of their own. Each gets what {@link Gpt2#block} would give it alone, but the layer's
 * weights stream from memory once for both: an ablation sweep's cases ride on its clean run. At every hook point
 * the lead's hooks run before the rider's.
 *
 * <p>Shapes as in {@link Gpt2}; W rider positions, R rider rows.
 */
public final class BlockWithRider {
    private BlockWithRider() {}

    /** Each batch's output, as {@link Gpt2#block} would give it. */
    public record Output(Gpt2.BlockOutput lead, Gpt2.BlockOutput rider) {}

    /** Block {@code l} of {@code model} on the lead {@code x} (with {@code prefix}, {@code hooks}) and the rider. */
    public static Output run(Gpt2 model, int l, NDArray x, Gpt2.KvPrefix prefix, Hooks hooks, NDArray rider, long riderStart,
                             Hooks riderHooks) {
        long p = prefix == null ? 0 : prefix.length();
        if (x.getShape().get(0) != 1 || riderStart < p || riderStart > p + x.getShape().get(1)) {
            throw new IllegalArgumentException("a rider needs a lead of batch 1 covering its start " + riderStart
                    + "; the lead has shape " + x.getShape() + " after " + p + " prefix positions");
        }
        Gpt2.BlockOutput[] out = layer(model, l, new Stream[] {new Stream(x, prefix, hooks), new Stream(rider, null, riderHooks)},
                riderStart);
        return new Output(out[0], out[1]);
    }

    /** One batch going through a block: its residual, its key/value prefix (null for none) and its hooks. */
    private record Stream(NDArray x, Gpt2.KvPrefix prefix, Hooks hooks) {}

    /**
     * Block {@code l} on the lead stream {@code s[0]} and the rider {@code s[1]}, whose prefix is the lead's keys
     * and values before {@code riderStart}. The four matrix products take both streams' rows at once; everything
     * else, hooks included, runs per stream, lead first, in {@link Gpt2#block}'s order.
     */
    private static Gpt2.BlockOutput[] layer(Gpt2 model, int l, Stream[] s, long riderStart) {
        model.weights().checkUnchanged();
        Gpt2Weights.Block b = model.weights().blocks().get(l);
        BlockSites at = model.sites(l);
        int nEmbd = model.config().nEmbd();
        int n = s.length;
        NDArray[] x = new NDArray[n];
        NDArray[] ln1 = new NDArray[n];
        NDArray[][] inputs = new NDArray[n][]; // per stream q, k, v [B, T, NH, C] each, when hooked
        boolean split = false;
        for (int i = 0; i < n; i++) {
            x[i] = Gpt2.hook(s[i].hooks(), at.residPre(), s[i].x()); // [B, T, C]
            inputs[i] = Gpt2.hasInputHook(at, s[i].hooks()) ? model.headInputs(at, s[i].hooks(), x[i]) : null;
            split |= inputs[i] != null;
            ln1[i] = Gpt2.hook(s[i].hooks(), at.ln1(), model.layerNorm(x[i], b.ln1W(), b.ln1B())); // [B, T, C]
        }
        NDArray[] qkv; // [B, T, 3C]
        if (split) { // a stream's heads have inputs of their own: stream by stream (rarely asked, never shared)
            qkv = new NDArray[n];
            for (int i = 0; i < n; i++) {
                qkv[i] = inputs[i] != null ? model.viaHeadInputs(b, at, s[i].hooks(), x[i], ln1[i], inputs[i])
                        : linear(new NDArray[] {ln1[i]}, b.attnW(), b.attnB())[0];
            }
        } else {
            qkv = linear(ln1, b.attnW(), b.attnB());
        }
        qkv = hooked(s, at.qkv(), qkv);
        Gpt2.Heads[] heads = new Gpt2.Heads[n];
        for (int i = 0; i < n; i++) {
            Gpt2.KvPrefix prefix = i == 0 ? s[0].prefix() : leadPrefix(s[0].prefix(), heads[0], riderStart);
            heads[i] = model.attend(at, s[i].hooks(), qkv[i], prefix);
        }
        NDArray[] attnOut; // [B, T, C]
        if (Gpt2.hasResultHook(at, s[0].hooks()) || Gpt2.hasResultHook(at, s[1].hooks())) {
            attnOut = new NDArray[n]; // the heads' separate outputs, stream by stream (rarely asked, never shared)
            for (int i = 0; i < n; i++) {
                attnOut[i] = model.viaResult(b, at, s[i].hooks(), heads[i].z());
            }
        } else {
            NDArray[] z = new NDArray[n];
            for (int i = 0; i < n; i++) {
                Shape zs = heads[i].z().getShape(); // [B, T, NH, HS]
                z[i] = heads[i].z().reshape(zs.get(0), zs.get(1), nEmbd); // [B, T, C]
            }
            attnOut = linear(z, b.projW(), b.projB());
        }
        attnOut = hooked(s, at.attnOut(), attnOut);
        NDArray[] mid = new NDArray[n];
        NDArray[] ln2 = new NDArray[n];
        for (int i = 0; i < n; i++) {
            mid[i] = Gpt2.hook(s[i].hooks(), at.residMid(), x[i].add(attnOut[i])); // [B, T, C], residual += attention
            NDArray mlpIn = Gpt2.hook(s[i].hooks(), at.mlpIn(), mid[i]); // [B, T, C], the MLP's copy
            ln2[i] = Gpt2.hook(s[i].hooks(), at.ln2(), model.layerNorm(mlpIn, b.ln2W(), b.ln2B())); // [B, T, C]
        }
        NDArray[] pre = hooked(s, at.mlpPre(), linear(ln2, b.fcW(), b.fcB())); // [B, T, 4C]
        NDArray[] post = new NDArray[n];
        for (int i = 0; i < n; i++) {
            post[i] = Gpt2.hook(s[i].hooks(), at.mlpPost(), model.gelu(pre[i])); // [B, T, 4C]
        }
        NDArray[] mlpOut = hooked(s, at.mlpOut(), linear(post, b.mlpProjW(), b.mlpProjB())); // [B, T, C]
        Gpt2.BlockOutput[] out = new Gpt2.BlockOutput[n];
        for (int i = 0; i < n; i++) {
            NDArray residual = Gpt2.hook(s[i].hooks(), at.residPost(), mid[i].add(mlpOut[i])); // [B, T, C], residual += MLP
            out[i] = new Gpt2.BlockOutput(residual, heads[i].k(), heads[i].v());
        }
        return out;
    }

    /** The lead's keys and values of positions before {@code end}: its prefix's, then its own ({@code [1, NH, *, HS]}). */
    private static Gpt2.KvPrefix leadPrefix(Gpt2.KvPrefix prefix, Gpt2.Heads lead, long end) {
        long p = prefix == null ? 0 : prefix.length();
        if (end == 0) {
            return null;
        }
        if (end == p) {
            return prefix;
        }
        NDIndex own = new NDIndex(":, :, :{}, :", end - p);
        NDArray k = lead.k().get(own); // [1, NH, end-P, HS]
        NDArray v = lead.v().get(own); // [1, NH, end-P, HS]
        return prefix == null ? new Gpt2.KvPrefix(k, v) : new Gpt2.KvPrefix(prefix.k().concat(k, 2), prefix.v().concat(v, 2));
    }

    /**
     * {@code xs[i] W + bias} for each stream's {@code [B, T, IN]}: one matrix product over all streams' rows, so
     * the weight is read once; the results are views {@code [B, T, OUT]} of it.
     */
    private static NDArray[] linear(NDArray[] xs, NDArray weight, NDArray bias) {
        NDList rows = new NDList(xs.length);
        long[] ends = new long[xs.length - 1];
        long total = 0;
        for (int i = 0; i < xs.length; i++) {
            Shape s = xs[i].getShape();
            rows.add(xs[i].reshape(s.get(0) * s.get(1), s.get(2))); // [B*T, IN]
            total += s.get(0) * s.get(1);
            if (i < ends.length) {
                ends[i] = total;
            }
        }
        NDList parts = Dense.product(NDArrays.concat(rows, 0), weight).addi(bias).split(ends, 0); // [rows, OUT] each
        NDArray[] out = new NDArray[xs.length];
        for (int i = 0; i < xs.length; i++) {
            Shape s = xs[i].getShape();
            out[i] = parts.get(i).reshape(s.get(0), s.get(1), -1); // [B, T, OUT]
        }
        return out;
    }

    /** Runs each stream's hooks at {@code name} on its activation, lead first. */
    private static NDArray[] hooked(Stream[] s, String name, NDArray[] activations) {
        for (int i = 0; i < s.length; i++) {
            activations[i] = Gpt2.hook(s[i].hooks(), name, activations[i]);
        }
        return activations;
    }
}
