package jlens.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Optional;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;

/**
 * Where a pass first goes non-finite: the first hook point, in the order the pass reaches them, whose activation holds
 * a NaN or an infinity (at the attention scores, a NaN or +inf: their -inf is the causal mask). One more pass of the
 * same tokens with the hooks registered on the model (the changes in force among them), run only when a read-out was
 * refused ({@link NonFiniteException}), so that its line can say which layer to look at.
 */
public final class FirstNonFinite {
    private FirstNonFinite() {}

    /** The exact name of the first hook point of a pass of {@code ids} whose activation is not finite; empty when none is. */
    public static Optional<String> find(Gpt2 model, long[] ids) {
        String[] first = {null};
        try (Hooks.Scope scope = model.hooks().scope(); NDManager out = model.manager().newSubManager()) {
            for (String name : HookPoint.all(model.config().nLayer())) {
                if (HookPoint.pointOf(name).equals(HookPoint.RESULT)) {
                    continue; // computed only when hooked: z and attn_out already say it
                }
                scope.add(name, (n, a) -> {
                    if (first[0] == null && !finite(n, a)) {
                        first[0] = n;
                    }
                    return null;
                });
            }
            model.forward(ids, out);
        }
        return Optional.ofNullable(first[0]);
    }

    /** What {@link #find} found, in words: {@code the pass first goes NaN or infinite at blocks.0.attn.hook_v}. */
    public static String describe(Optional<String> first) {
        return first.map(n -> "the pass first goes NaN or infinite at " + n + whose(n))
                .orElse("every hook point of a full pass of these tokens is finite");
    }

    private static String whose(String name) {
        if (name.equals(HookPoint.LN_FINAL)) {
            return " (the final LayerNorm: its weights, or a residual stream too large to normalise)";
        }
        if (name.equals(HookPoint.LOGITS)) {
            return " (the unembedding)";
        }
        return "";
    }

    private static boolean finite(String name, NDArray a) {
        try (NDArray nan = a.isNaN().any()) {
            if (nan.getBoolean()) {
                return false;
            }
        }
        if (HookPoint.pointOf(name).equals(HookPoint.ATTN_SCORES)) {
            try (NDArray up = a.eq(Float.POSITIVE_INFINITY).any()) {
                return !up.getBoolean();
            }
        }
        try (NDArray inf = a.isInfinite().any()) {
            return !inf.getBoolean();
        }
    }
}
