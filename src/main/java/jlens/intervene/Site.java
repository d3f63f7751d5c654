package jlens.intervene;

import java.util.List;
import jlens.hook.HookPoint;

/**
 * A block hook point, without its layer, where a sweep or a patching grid puts its changes: any of
 * {@link HookPoint#BLOCK_POINTS}. Per-head points (q, k, v, z, result, scores, pattern) take a head; the others take
 * all of a position's values.
 *
 * @param point the block point, such as {@code attn.hook_z}
 */
public record Site(String point) {
    public static final Site RESID_PRE = new Site(HookPoint.RESID_PRE);
    public static final Site Q = new Site(HookPoint.Q);
    public static final Site K = new Site(HookPoint.K);
    public static final Site V = new Site(HookPoint.V);
    public static final Site PATTERN = new Site(HookPoint.PATTERN);
    public static final Site Z = new Site(HookPoint.Z);
    public static final Site RESULT = new Site(HookPoint.RESULT);
    public static final Site ATTN_OUT = new Site(HookPoint.ATTN_OUT);
    public static final Site RESID_MID = new Site(HookPoint.RESID_MID);
    public static final Site MLP_OUT = new Site(HookPoint.MLP_OUT);
    public static final Site RESID_POST = new Site(HookPoint.RESID_POST);

    public Site {
        if (!HookPoint.BLOCK_POINTS.contains(point)) {
            throw new IllegalArgumentException("'" + point + "' is not a block hook point");
        }
    }

    /** Every block hook point, in the order a pass meets them. */
    public static List<Site> values() {
        return HookPoint.BLOCK_POINTS.stream().map(Site::new).toList();
    }

    /** The exact hook name in layer {@code layer}. */
    public String hookName(int layer) {
        return HookPoint.block(layer, point);
    }

    /** True where a change names a head (q, k, v, z, result, scores, pattern); the others replace a whole position. */
    public boolean perHead() {
        return HookPoint.headAxis(point) >= 0;
    }

    /** The REPL's word: {@code z}, {@code resid_pre}, {@code pattern}. */
    public String word() {
        String tail = point.substring(point.lastIndexOf('.') + 1);
        return tail.equals("hook_normalized") ? point.substring(0, point.indexOf('.')) : tail.substring("hook_".length());
    }

    /** Accepts {@code z}, {@code hook_z}, {@code attn.hook_z}, {@code resid_pre}, {@code mlp_out}, {@code result} and so on. */
    public static Site parse(String text) {
        String point = HookPoint.blockPoint(text);
        if (point == null) {
            throw new IllegalArgumentException("unknown site '" + text + "'; use one of " + String.join(", ",
                    values().stream().map(Site::word).toList()));
        }
        return new Site(point);
    }

    @Override
    public String toString() {
        return word();
    }
}
