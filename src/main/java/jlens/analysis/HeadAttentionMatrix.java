package jlens.analysis;

import java.util.List;

/**
 * One head's real causal attention scores or pattern, {@code [tokens, tokens]} row-major (row = query position,
 * column = key position). Scores above the diagonal are -inf (masked); pattern entries there are 0.
 */
public record HeadAttentionMatrix(int layer, int head, AttentionKind kind, int tokens, float[] values)
        implements AnalysisResult {

    public HeadAttentionMatrix {
        if (values.length != tokens * tokens) {
            throw new IllegalArgumentException("a " + tokens + " x " + tokens + " matrix needs " + tokens * tokens + " values");
        }
    }

    public float get(int query, int key) {
        return values[query * tokens + key];
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
