package jlens.analysis;

import ai.djl.ndarray.NDArray;
import java.util.List;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/** A head's causal attention scores or pattern from the cache ({@code attn.hook_attn_scores}, {@code attn.hook_pattern}). */
public final class HeadAttention {
    private HeadAttention() {}

    /** Needs {@code blocks.{layer}.attn.hook_attn_scores} or {@code hook_pattern} (per {@code kind}) captured. */
    public static Matrix of(ActivationCache cache, Gpt2Config config, int layer, int head, AttentionKind kind) {
        int l = Checks.layer(layer, config.nLayer());
        int h = Checks.head(head, config.nHead());
        String name = HookPoint.block(l, kind.hookPoint());
        NDArray all = cache.get(name); // [1, NH, T, T]
        Tensors.requireSingleSequence(all, 4, name);
        int t = (int) all.getShape().get(2);
        try (NDArray one = all.get(0, h)) { // [T, T], freed here, not left in the cache's manager
            return new Matrix(l, h, kind, t, Tensors.floats(one));
        }
    }

    /** From one pass of {@code ids} that captures only the one hook point read. */
    public static Matrix of(Gpt2 model, long[] ids, int layer, int head, AttentionKind kind) {
        Gpt2Config config = model.config();
        String hook = HookPoint.block(Checks.layer(layer, config.nLayer()), kind.hookPoint());
        return CapturedPass.analyse(model, ids, List.of(hook), run -> of(run.cache(), config, layer, head, kind));
    }

    public static Matrix pattern(ActivationCache cache, Gpt2Config config, int layer, int head) {
        return of(cache, config, layer, head, AttentionKind.PATTERN);
    }

    public static Matrix scores(ActivationCache cache, Gpt2Config config, int layer, int head) {
        return of(cache, config, layer, head, AttentionKind.SCORES);
    }

    /**
     * One head's real causal attention scores or pattern, {@code [tokens, tokens]} row-major (row = query position,
     * column = key position). Scores above the diagonal are -inf (masked); pattern entries there are 0.
     */
    public record Matrix(int layer, int head, AttentionKind kind, int tokens, float[] values)
            implements AnalysisResult {

        /** The matrix: {@code [tokens, tokens]}. */
        @Override
        public NdData array() {
            return NdData.of(new long[] {tokens, tokens}, values);
        }


        public Matrix {
            if (values.length != tokens * tokens) {
                throw new IllegalArgumentException("a " + tokens + " x " + tokens + " matrix needs " + tokens * tokens + " values");
            }
        }

        public float get(int query, int key) {
            return values[query * tokens + key];
        }

        /**
         * Entries that are NaN or infinite where the causal mask does not put them (scores above the diagonal are
         * -inf by design and not counted): a model whose activations went non-finite.
         */
        public int nonFinite() {
            int n = 0;
            for (int q = 0; q < tokens; q++) {
                for (int k = 0; k < tokens; k++) {
                    float v = values[q * tokens + k];
                    boolean masked = kind == AttentionKind.SCORES && k > q && v == Float.NEGATIVE_INFINITY;
                    n += !Float.isFinite(v) && !masked ? 1 : 0;
                }
            }
            return n;
        }

        @Override
        public List<String> columns() {
            return List.of("query", "key", kind == AttentionKind.SCORES ? "score" : "attention");
        }

        @Override
        public int rowCount() {
            return values.length;
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {i / tokens, i % tokens, values[i]};
        }
    }
}
