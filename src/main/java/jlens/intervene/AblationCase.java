package jlens.intervene;

/**
 * One ablation: the activation at {@code layer}, {@code position} (an index into the text, 0-based) and, for
 * {@code hook_z}, {@code head} is replaced. {@code head} is -1 for per-position sites.
 */
public record AblationCase(int layer, int head, int position) {
    public AblationCase {
        if (layer < 0 || position < 0 || head < -1) {
            throw new IllegalArgumentException("bad ablation case: layer " + layer + ", head " + head + ", position " + position);
        }
    }
}
