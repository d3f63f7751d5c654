package jlens.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jlens.intervene.Cells;
import jlens.intervene.Intervention;
import jlens.intervene.Value;

/**
 * What an SAE does to the model while it stands among the changes in force: its reconstruction spliced in place of its
 * hook's activation (SAELens's {@code HookedSAETransformer} with the SAE attached), with or without the error term
 * ({@code use_error_term}), and edits of its features. As one {@link Intervention} at its hook ({@link Value.Fn}), so
 * every route that honours the changes in force (analyses, sweeps, patching, generation, prompt sets) honours it.
 *
 * <pre>
 *   e      = encode(x)                          the SAE's features of the hook's activation x
 *   acts'  = e.acts with the ablate and set edits
 *   spliced:              out = decode(acts')
 *   spliced, error term:  out = decode(acts') + (x - decode(e.acts))     = x when nothing is edited
 *   not spliced:          out = x + decode(acts') - decode(e.acts)        the error term kept: only the edit changes x
 *   then                  out += sum of coeff * W_dec[f] over the steer edits
 * </pre>
 *
 * @param sae the SAE
 * @param mode whether its reconstruction replaces the activation
 * @param edits feature edits in the order given (a later ablate or set of the same feature wins; steers add up)
 */
public record SaeSplice(Sae sae, Mode mode, List<SaeEdit> edits) {
    /** Whether the reconstruction is in the model. */
    public enum Mode {
        /** Not spliced: the activation stays, edits (if any) change it by their difference. */
        OFF,
        /** The reconstruction replaces the activation. */
        SPLICED,
        /** The reconstruction plus the error term: the model is unchanged until a feature is edited. */
        SPLICED_WITH_ERROR
    }

    public SaeSplice {
        edits = List.copyOf(edits);
        for (SaeEdit e : edits) {
            if (e.feature() >= sae.dSae()) {
                throw new IllegalArgumentException("feature " + e.feature() + " is out of range: " + sae.name()
                        + " has features 0.." + (sae.dSae() - 1));
            }
        }
    }

    /** The SAE standing with nothing to do. */
    public static SaeSplice off(Sae sae) {
        return new SaeSplice(sae, Mode.OFF, List.of());
    }

    public SaeSplice withMode(Mode m) {
        return new SaeSplice(sae, m, edits);
    }

    public SaeSplice plus(List<SaeEdit> more) {
        List<SaeEdit> all = new ArrayList<>(edits);
        all.addAll(more);
        return new SaeSplice(sae, mode, all);
    }

    public SaeSplice withoutEdits() {
        return new SaeSplice(sae, mode, List.of());
    }

    /** Whether it changes nothing (not spliced, no edits): then it is not in force at all. */
    public boolean idle() {
        return mode == Mode.OFF && edits.isEmpty();
    }

    /** The one intervention at the SAE's hook (its head only, at a per-head hook with {@code hook_head_index}); null when idle. */
    public Intervention intervention() {
        if (idle()) {
            return null;
        }
        Cells cells = sae.config().hookHeadIndex() >= 0 ? Cells.head(sae.config().hookHeadIndex()) : Cells.ALL;
        return new Intervention(sae.hook(), cells, new Value.Fn((a, start) -> apply(a), describe()));
    }

    /** What the SAE makes of a hook's activation {@code a} ({@code [B, W, ...]}): its shape and dtype, in its manager. */
    public NDArray apply(NDArray a) {
        NDArray x = sae.input(a); // [N, D]
        NDArray out = x;
        Map<Integer, Double> set = replaced();
        if (mode != Mode.OFF || !set.isEmpty()) {
            Sae.Encoded e = sae.encode(x); // acts [N, F]
            NDArray acts = edited(e.acts(), set); // [N, F]
            if (mode == Mode.SPLICED) {
                out = sae.decode(acts, e); // [N, D]
            } else if (mode == Mode.SPLICED_WITH_ERROR) {
                out = sae.decode(acts, e).add(x.sub(sae.decode(e))); // [N, D], reconstruction + error
            } else {
                out = x.add(sae.decode(acts, e).sub(sae.decode(e))); // [N, D], the edit's difference only
            }
        }
        float[] steer = steering();
        if (steer != null) {
            out = out.add(out.getManager().create(steer, new Shape(steer.length))); // [N, D]
        }
        return sae.output(a, out);
    }

    /** The features {@code acts} {@code [N, F]} with the ablate and set edits applied. */
    public NDArray edited(NDArray acts) {
        return edited(acts, replaced());
    }

    private NDArray edited(NDArray acts, Map<Integer, Double> set) {
        if (set.isEmpty()) {
            return acts;
        }
        int f = sae.dSae();
        boolean[] mask = new boolean[f];
        float[] values = new float[f];
        set.forEach((feature, v) -> {
            mask[feature] = true;
            values[feature] = v.floatValue();
        });
        NDManager m = acts.getManager();
        return NDArrays.where(m.create(mask, new Shape(f)), m.create(values, new Shape(f)), acts); // [N, F]
    }

    /** Feature to its value, for the ablate and set edits (the last one for a feature wins). */
    private Map<Integer, Double> replaced() {
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (SaeEdit e : edits) {
            if (e.kind() != SaeEdit.Kind.STEER) {
                out.put(e.feature(), e.kind() == SaeEdit.Kind.ABLATE ? 0.0 : e.value());
            }
        }
        return out;
    }

    /** The sum of coeff * W_dec[f] over the steer edits {@code [D]}, or null when there are none. */
    float[] steering() {
        float[] v = null;
        for (SaeEdit e : edits) {
            if (e.kind() == SaeEdit.Kind.STEER) {
                float[] row = sae.decoderRow(e.feature());
                if (v == null) {
                    v = new float[row.length];
                }
                for (int k = 0; k < row.length; k++) {
                    v[k] += (float) (e.value() * row[k]);
                }
            }
        }
        return v;
    }

    /** {@code sae relu-pre6 at blocks.2.hook_resid_pre: spliced (error term kept); feature 85 zeroed}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        parts.add(switch (mode) {
            case OFF -> "error term kept";
            case SPLICED -> "reconstruction spliced in";
            case SPLICED_WITH_ERROR -> "reconstruction + error term spliced in";
        });
        edits.forEach(e -> parts.add(e.describe()));
        return "sae " + sae.name() + " at " + sae.hook() + (sae.config().hookHeadIndex() >= 0 ? " head "
                + sae.config().hookHeadIndex() : "") + ": " + String.join("; ", parts);
    }
}
