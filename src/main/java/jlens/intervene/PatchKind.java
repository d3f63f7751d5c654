package jlens.intervene;

import java.util.Locale;

/**
 * What activation patching replaces, one cell at a time, in the corrupted run with the clean run's value.
 * The cells: a (layer, position) for the residual-stream-sized points, a (layer, head) for a head's {@code hook_z}
 * at every position, a (layer, head, position) for a head at one position.
 */
public enum PatchKind {
    /** {@code blocks.l.hook_resid_pre} at one position: the residual stream entering layer l. */
    RESID_PRE,
    /** {@code blocks.l.hook_attn_out} at one position: the attention output added to the residual. */
    ATTN_OUT,
    /** {@code blocks.l.hook_mlp_out} at one position: the MLP output added to the residual. */
    MLP_OUT,
    /** {@code blocks.l.attn.hook_z} of one head at every position (TransformerLens's {@code attn_head_out_all_pos}). */
    HEADS,
    /** {@code blocks.l.attn.hook_z} of one head at one position ({@code attn_head_out_by_pos}). */
    HEADS_POS;

    /** The hook site a cell replaces (the same sites as ablation's). */
    public AblationSite site() {
        return switch (this) {
            case RESID_PRE -> AblationSite.RESID_PRE;
            case ATTN_OUT -> AblationSite.ATTN_OUT;
            case MLP_OUT -> AblationSite.MLP_OUT;
            case HEADS, HEADS_POS -> AblationSite.Z;
        };
    }

    /** The block hook point, without {@code blocks.{l}.}. */
    public String point() {
        return site().point();
    }

    public String hookName(int layer) {
        return site().hookName(layer);
    }

    /** Whether a cell names a head (the site is {@code hook_z}). */
    public boolean perHead() {
        return site().perHead();
    }

    /** Whether a cell covers every position (else one position each). */
    public boolean allPositions() {
        return this == HEADS;
    }

    /** The shape of the result grid for a model of {@code nLayer} x {@code nHead} and a text of {@code t} tokens. */
    public int[] shape(int nLayer, int nHead, int t) {
        if (!perHead()) {
            return new int[] {nLayer, t};
        }
        return allPositions() ? new int[] {nLayer, nHead} : new int[] {nLayer, nHead, t};
    }

    /** The command's words: {@code resid_pre}, {@code attn_out}, {@code mlp_out}, {@code heads}, {@code heads pos}. */
    public String word() {
        return switch (this) {
            case HEADS -> "heads";
            case HEADS_POS -> "heads pos";
            default -> name().toLowerCase(Locale.ROOT);
        };
    }

    public static PatchKind parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        return switch (s) {
            case "resid_pre", "hook_resid_pre" -> RESID_PRE;
            case "attn_out", "hook_attn_out" -> ATTN_OUT;
            case "mlp_out", "hook_mlp_out" -> MLP_OUT;
            case "heads", "head", "z", "hook_z" -> HEADS;
            case "heads pos", "heads_pos", "head pos" -> HEADS_POS;
            default -> throw new IllegalArgumentException("unknown patch site '" + text
                    + "'; use resid_pre, attn_out, mlp_out, heads or heads pos");
        };
    }
}
