package jlens.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.Intervention;
import jlens.intervene.Interventions;
import jlens.model.Gpt2;

/**
 * The passes the SAE studies run: rows of equal length {@code [B, T]} through the model step by step with the changes
 * in force as hooks (the SAE's own change left out by the caller: the activation it reads is what arrives at its hook),
 * stopping after the block that holds the SAE's hook when only its input is needed.
 */
final class SaePass {
    private SaePass() {}

    /** The layer after which the hook has been seen: -1 for the embeddings, L for the final norm and the logits. */
    static int layer(String hook, int nLayer) {
        int l = HookPoint.layerOf(hook);
        if (l >= 0) {
            return l;
        }
        return hook.equals(HookPoint.EMBED) || hook.equals(HookPoint.POS_EMBED) ? -1 : nLayer;
    }

    /**
     * The SAE's input rows {@code [B*T, D]} (float32, in {@code into}) for {@code ids} {@code [B][T]}: what arrives at its
     * hook with {@code standing} in force; {@code check} runs before every layer (Ctrl-C).
     */
    static NDArray input(Gpt2 model, long[][] ids, Sae sae, List<Intervention> standing, NDManager into, Runnable check) {
        int nLayer = model.config().nLayer();
        int stop = layer(sae.hook(), nLayer);
        try (Hooks.Scope scope = model.hooks().scope(); NDManager pass = model.manager().newSubManager()) {
            Interventions.register(scope, standing, () -> 0);
            NDArray[] seen = new NDArray[1];
            scope.add(sae.hook(), (name, a) -> { // after the changes in force at the same hook: what the SAE would read
                seen[0] = a;
                return null;
            });
            NDArray x = model.embed(tokens(pass, ids), 0, model.hooks()); // [B, T, C]
            for (int l = 0; l < nLayer && l <= stop; l++) {
                check.run();
                x = model.block(l, x, null, model.hooks()).residual(); // [B, T, C]
            }
            if (stop == nLayer) {
                model.unembed(x, model.hooks()); // [B, T, V]: the hook is the final norm or the logits
            }
            NDArray rows = sae.input(seen[0]).duplicate(); // [B*T, D]
            rows.attach(into);
            return rows;
        }
    }

    /** Refuses ids the model cannot read: none, more than its context, or outside its vocabulary. */
    static void checkIds(Gpt2 model, long[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to run; give a text first");
        }
        if (ids.length > model.config().nPositions()) {
            throw new IllegalArgumentException(ids.length + " tokens are more than the model's context of "
                    + model.config().nPositions());
        }
        for (long id : ids) {
            if (id < 0 || id >= model.config().vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.."
                        + (model.config().vocabSize() - 1));
            }
        }
    }

    /** {@code ids} {@code [B][T]} as an array {@code [B, T]} in {@code m}. */
    static NDArray tokens(NDManager m, long[][] ids) {
        int t = ids[0].length;
        long[] flat = new long[ids.length * t];
        for (int b = 0; b < ids.length; b++) {
            if (ids[b].length != t) {
                throw new IllegalArgumentException("rows of " + t + " and " + ids[b].length + " tokens in one batch");
            }
            System.arraycopy(ids[b], 0, flat, b * t, t);
        }
        return m.create(flat, new Shape(ids.length, t));
    }
}
