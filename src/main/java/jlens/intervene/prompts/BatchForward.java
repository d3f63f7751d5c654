package jlens.intervene.prompts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;

/**
 * One forward pass over a padded batch of prompts, each getting what it would get alone at its real positions.
 *
 * <p>It runs the model's own blocks, unchanged: the padding is expressed at two hook points that exist for
 * exactly this kind of change. With left padding, {@code hook_pos_embed} is replaced by the position
 * embeddings of the ids {@link BatchInput#positions()} (counted from each prompt's first real token, not from
 * the batch's column), and each layer's {@code attn.hook_attn_scores} gets {@code -inf} on padded keys, so no
 * real query attends to padding (a padded query may attend to itself only, so its softmax row is never empty and
 * no NaN reaches the real positions through {@code 0 * NaN}). With right padding neither is needed: positions
 * count from column 0 and causal attention already keeps every real token from the padding after it.
 *
 * <p>Those two changes run first; the caller's hooks run after them at every hook point, and see
 * {@code [B, W, ...]} activations (padded cells included; {@link BatchInput#column} finds the real ones).
 */
public final class BatchForward {
    private BatchForward() {}

    /** Logits {@code [B, W, V]} of every cell, attached to {@code out}. */
    public static NDArray logits(Gpt2 model, BatchInput in, Hooks hooks, NDManager out) {
        try (NDManager pass = model.manager().newSubManager()) {
            Hooks padded = withPadding(model, in, hooks);
            NDArray logits = model.unembed(blocks(model, in, padded, pass), padded); // [B, W, V]
            logits.attach(out);
            return logits;
        }
    }

    /**
     * Logits {@code [B, V]} at each prompt's last real token (its next-token prediction), attached to {@code out}.
     * The unembedding runs on those rows only, unless a hook at {@code ln_final} or the logits needs every cell.
     */
    public static NDArray lastLogits(Gpt2 model, BatchInput in, Hooks hooks, NDManager out) {
        try (NDManager pass = model.manager().newSubManager()) {
            Hooks padded = withPadding(model, in, hooks);
            NDArray x = blocks(model, in, padded, pass); // [B, W, C]
            int w = in.width();
            long[] rows = new long[in.size()];
            for (int b = 0; b < rows.length; b++) {
                rows[b] = (long) b * w + in.lastColumn(b);
            }
            NDArray index = pass.create(rows); // [B]
            NDArray logits;
            if (hooks.has(HookPoint.LN_FINAL) || hooks.has(HookPoint.LOGITS)) {
                NDArray all = model.unembed(x, padded); // [B, W, V]
                logits = all.reshape(-1, all.getShape().get(2)).get(new NDIndex("{}", index)); // [B, V]
            } else {
                NDArray last = x.reshape(-1, x.getShape().get(2)).get(new NDIndex("{}", index)); // [B, C]
                logits = model.unembed(last.expandDims(1), padded).squeeze(1); // [B, V]
            }
            logits.attach(out);
            return logits;
        }
    }

    /**
     * The residual stream after the last block {@code [B, W, C]}, attached to {@code out}: a pass for what the hooks
     * see, without the unembedding (a corpus reduction reads activations, and the logits of a batch of full windows
     * would be {@code B x W x V} floats).
     */
    public static NDArray residual(Gpt2 model, BatchInput in, Hooks hooks, NDManager out) {
        try (NDManager pass = model.manager().newSubManager()) {
            NDArray x = blocks(model, in, withPadding(model, in, hooks), pass); // [B, W, C]
            x.attach(out);
            return x;
        }
    }

    /** Embeddings and every block: the residual stream after the last block, {@code [B, W, C]}, in {@code pass}. */
    private static NDArray blocks(Gpt2 model, BatchInput in, Hooks hooks, NDManager pass) {
        checkFits(model, in);
        NDArray x = model.embed(pass.create(in.ids(), new Shape(in.size(), in.width())), 0, hooks); // [B, W, C]
        for (int l = 0; l < model.config().nLayer(); l++) {
            x = model.block(l, x, null, hooks).residual(); // [B, W, C]
        }
        return x;
    }

    /**
     * A registry for this pass: the padding's position ids and key mask first (left padding only), then a hook
     * that hands each point to the caller's registry, for the points it has hooks on.
     */
    private static Hooks withPadding(Gpt2 model, BatchInput in, Hooks caller) {
        int nLayer = model.config().nLayer();
        if (in.padding() == BatchPadding.RIGHT || !in.padded()) {
            return caller;
        }
        Hooks hooks = new Hooks(HookPoint.all(nLayer), nLayer);
        Hooks.Scope scope = hooks.scope(); // the registry is this pass's alone: nothing to remove afterwards
        int bsz = in.size();
        int w = in.width();
        long[] positions = in.positions();
        scope.add(HookPoint.POS_EMBED, (name, pos) -> {
            NDArray ids = pos.getManager().create(positions, new Shape(bsz, w)); // [B, W]
            return model.weights().positionRows(ids); // [B, W, C]
        });
        float[] keyMask = keyMask(in);
        NDArray[] mask = new NDArray[1]; // made in the first layer's pass, reused by the others
        for (int l = 0; l < nLayer; l++) {
            scope.add(HookPoint.block(l, HookPoint.ATTN_SCORES), (name, scores) -> {
                if (mask[0] == null || mask[0].getManager() != scores.getManager()) {
                    mask[0] = scores.getManager().create(keyMask, new Shape(bsz, 1, w, w)).toType(scores.getDataType(), false);
                }
                return scores.add(mask[0]); // [B, NH, W, W]
            });
        }
        for (String name : caller.names()) {
            scope.add(name, caller::run);
        }
        return hooks;
    }

    /** {@code [B, 1, W, W]}: 0 where query i may see key j (a real key, or itself), -inf on other padded keys. */
    private static float[] keyMask(BatchInput in) {
        int w = in.width();
        boolean[] real = in.mask();
        float[] out = new float[in.size() * w * w];
        for (int b = 0; b < in.size(); b++) {
            for (int i = 0; i < w; i++) {
                for (int j = 0; j < w; j++) {
                    if (!real[b * w + j] && i != j) {
                        out[(b * w + i) * w + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        return out;
    }

    private static void checkFits(Gpt2 model, BatchInput in) {
        int context = model.config().nPositions();
        for (int b = 0; b < in.size(); b++) {
            if (in.length(b) > context) {
                throw new IllegalArgumentException("prompt " + b + " has " + in.length(b) + " tokens, more than the model's"
                        + " context of " + context);
            }
            for (long id : in.prompts().get(b)) {
                if (id < 0 || id >= model.config().vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " in prompt " + b + " is outside the vocabulary 0.."
                            + (model.config().vocabSize() - 1));
                }
            }
        }
        if (in.width() > context) {
            throw new IllegalArgumentException("a batch " + in.width() + " tokens wide is more than the model's context of " + context);
        }
        if (in.padId() < 0 || in.padId() >= model.config().vocabSize()) {
            throw new IllegalArgumentException("padding id " + in.padId() + " is outside the vocabulary");
        }
    }
}
