package jlens.intervene;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import jlens.hook.HookPoint;

/**
 * Where an ablation or a patch ({@link PatchKind#site()}) replaces an activation: one head's output
 * ({@code hook_z}, per head and position) or the whole width of a residual-stream-sized point at one position.
 */
public enum AblationSite {
    Z(HookPoint.Z, true),
    RESID_PRE(HookPoint.RESID_PRE, false),
    RESID_MID(HookPoint.RESID_MID, false),
    RESID_POST(HookPoint.RESID_POST, false),
    ATTN_OUT(HookPoint.ATTN_OUT, false),
    MLP_OUT(HookPoint.MLP_OUT, false);

    private final String point;
    private final boolean perHead;

    AblationSite(String point, boolean perHead) {
        this.point = point;
        this.perHead = perHead;
    }

    /** The block hook point, without {@code blocks.{l}.}. */
    public String point() {
        return point;
    }

    /** The exact hook name in layer {@code layer}. */
    public String hookName(int layer) {
        return HookPoint.block(layer, point);
    }

    /** True for {@code hook_z}, whose cases name a head; the others replace all {@code C} values at a position. */
    public boolean perHead() {
        return perHead;
    }

    /** Accepts {@code z}, {@code hook_z}, {@code resid_pre}, {@code attn.hook_z}, {@code mlp_out} and so on. */
    public static AblationSite parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        for (AblationSite site : values()) {
            String name = site.name().toLowerCase(Locale.ROOT);
            if (s.equals(name) || s.equals("hook_" + name) || s.equals(site.point)) {
                return site;
            }
        }
        throw new IllegalArgumentException("unknown ablation site '" + text + "'; one of "
                + Arrays.stream(values()).map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }
}
