package jlens.intervene;

import java.util.List;
import java.util.Locale;

/**
 * What activation patching replaces, one cell at a time: a site (any block hook point) and, at a per-head site,
 * whether a cell is a head at every position ({@code heads}, TransformerLens's {@code attn_head_out_all_pos}) or a
 * head at one position ({@code heads pos}); at the other sites a cell is one position's whole activation.
 *
 * @param site the block hook point
 * @param allPositions a cell covers every position (per-head sites only)
 */
public record PatchKind(Site site, boolean allPositions) {
    /** {@code blocks.l.hook_resid_pre} at one position: the residual stream entering layer l. */
    public static final PatchKind RESID_PRE = new PatchKind(Site.RESID_PRE, false);
    /** {@code blocks.l.hook_attn_out} at one position: the attention output added to the residual. */
    public static final PatchKind ATTN_OUT = new PatchKind(Site.ATTN_OUT, false);
    /** {@code blocks.l.hook_mlp_out} at one position: the MLP output added to the residual. */
    public static final PatchKind MLP_OUT = new PatchKind(Site.MLP_OUT, false);
    /** {@code blocks.l.attn.hook_z} of one head at every position. */
    public static final PatchKind HEADS = new PatchKind(Site.Z, true);
    /** {@code blocks.l.attn.hook_z} of one head at one position. */
    public static final PatchKind HEADS_POS = new PatchKind(Site.Z, false);

    public PatchKind {
        if (allPositions && !site.perHead()) {
            throw new IllegalArgumentException(site.word() + " has no heads: its cells are positions");
        }
    }

    /** The five grids of TransformerLens's patching functions: resid_pre, attn_out, mlp_out, heads, heads pos. */
    public static List<PatchKind> values() {
        return List.of(RESID_PRE, ATTN_OUT, MLP_OUT, HEADS, HEADS_POS);
    }

    /** The block hook point, without {@code blocks.{l}.}. */
    public String point() {
        return site.point();
    }

    public String hookName(int layer) {
        return site.hookName(layer);
    }

    /** Whether a cell names a head. */
    public boolean perHead() {
        return site.perHead();
    }

    /** The shape of the result grid for a model of {@code nLayer} x {@code nHead} and a text of {@code t} tokens. */
    public int[] shape(int nLayer, int nHead, int t) {
        if (!perHead()) {
            return new int[] {nLayer, t};
        }
        return allPositions ? new int[] {nLayer, nHead} : new int[] {nLayer, nHead, t};
    }

    /**
     * The command's words: {@code resid_pre}, {@code attn_out}, {@code heads}, {@code heads pos} (the heads' z), and
     * for the other per-head sites their word with or without {@code pos} ({@code q}, {@code pattern pos}).
     */
    public String word() {
        String w = site.equals(Site.Z) ? "heads" : site.word();
        return perHead() && !allPositions ? w + " pos" : w;
    }

    /** {@code resid_pre}, {@code heads}, {@code heads pos}, {@code resid_mid}, {@code q}, {@code result pos} and so on. */
    public static PatchKind parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").replace("heads_pos", "heads pos");
        boolean pos = s.endsWith(" pos");
        String word = pos ? s.substring(0, s.length() - 4).trim() : s;
        Site site;
        if (word.equals("heads") || word.equals("head")) {
            site = Site.Z;
        } else {
            try {
                site = Site.parse(word);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown patch site '" + text + "'; use resid_pre, attn_out, mlp_out, heads or"
                        + " heads pos, or another hook point (resid_mid, resid_post, q, k, v, pattern, result; 'pos' after a"
                        + " per-head one: a head at each position)");
            }
        }
        if (pos && !site.perHead()) {
            throw new IllegalArgumentException("'" + text + "': " + site.word() + " has no heads, and its cells are positions already");
        }
        return new PatchKind(site, site.perHead() && !pos);
    }

    @Override
    public String toString() {
        return word();
    }
}
