package jlens.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Direct logit attribution at one position (see {@link DirectLogitAttribution}).
 *
 * @param position the attributed position (0-based)
 * @param answer the token whose logit is attributed
 * @param wrong the subtracted token of a logit difference, or -1
 * @param perHead [layer][head], each head's output (value bias included)
 * @param mlp per layer, the MLP's output with its bias
 * @param attnBias per layer, the attention output bias {@code c_proj.bias}
 * @param embed the token embedding's contribution
 * @param posEmbed the position embedding's contribution
 * @param constant {@code ln_f.bias . u}, plus {@code b_U[A] - b_U[B]} on processed weights
 * @param lnScale the final residual's LayerNorm scale {@code sqrt(var + eps)} every component is divided by
 * @param logit the model's logit (or logit difference) at {@code position}
 * @param total every component plus the constant: equals {@code logit} up to rounding (the conservation check)
 * @param inForce the contribution of what no component explains: the final residual minus every component, which is
 *     what the changes in force added (a steering vector); rounding alone when none are
 */
public record DirectLogitAttributionResult(int position, long answer, long wrong, double[][] perHead, double[] mlp,
                                           double[] attnBias, double embed, double posEmbed, double constant,
                                           double lnScale, double logit, double total, double inForce) implements AnalysisResult {

    /** The per-head values {@code [L, H]}, as {@code save FILE.npy} writes them. */
    @Override
    public NdData array() {
        return NdData.rows(perHead);
    }

    /** Whether this attributes a logit difference. */
    public boolean isDifference() {
        return wrong >= 0;
    }

    /**
     * Every component, in a fixed order: heads (layer-major), MLPs, attention biases, embed, pos_embed, and what the
     * changes in force added when that is more than rounding.
     */
    public List<DirectLogitAttributionTerm> terms() {
        List<DirectLogitAttributionTerm> out = new ArrayList<>();
        for (int l = 0; l < perHead.length; l++) {
            for (int h = 0; h < perHead[l].length; h++) {
                out.add(new DirectLogitAttributionTerm("head " + l + "." + h, l, h, perHead[l][h])); // heads are L.H everywhere
            }
        }
        for (int l = 0; l < mlp.length; l++) {
            out.add(new DirectLogitAttributionTerm("MLP" + l, l, -1, mlp[l]));
        }
        for (int l = 0; l < attnBias.length; l++) {
            out.add(new DirectLogitAttributionTerm("attn_bias" + l, l, -1, attnBias[l]));
        }
        out.add(new DirectLogitAttributionTerm("embed", -1, -1, embed));
        out.add(new DirectLogitAttributionTerm("pos_embed", -1, -1, posEmbed));
        if (Math.abs(inForce) > 1e-4 * Math.max(1, Math.abs(logit))) { // more than rounding: changes in force
            out.add(new DirectLogitAttributionTerm("in force", -1, -1, inForce));
        }
        return out;
    }

    /** The {@code k} components with the largest |value|, largest first (ties in the fixed order). */
    public List<DirectLogitAttributionTerm> top(int k) {
        return terms().stream()
                .sorted(Comparator.comparingDouble((DirectLogitAttributionTerm x) -> -Math.abs(x.value())))
                .limit(k)
                .toList();
    }

    @Override
    public List<String> columns() {
        return List.of("component", "layer", "head", "value");
    }

    @Override
    public int rowCount() {
        return terms().size() + 1;
    }

    @Override
    public Object[] row(int i) {
        List<DirectLogitAttributionTerm> all = terms();
        if (i == all.size()) {
            return new Object[] {"constant", -1, -1, constant};
        }
        DirectLogitAttributionTerm x = all.get(i);
        return new Object[] {x.name(), x.layer(), x.head(), x.value()};
    }
}
