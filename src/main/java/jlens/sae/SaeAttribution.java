package jlens.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jlens.analysis.AnalysisResult;
import jlens.analysis.DirectLogitAttribution;
import jlens.analysis.NdData;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.Intervention;
import jlens.intervene.Interventions;
import jlens.model.Gpt2;
import jlens.model.NonFiniteException;

/**
 * Direct logit attribution through an SAE's features at one position. What the SAE puts at its hook splits exactly
 * into its active features (activation times decoder row, scaled back as decoding scales them), the decoder bias (with
 * what normalisation adds back), and the rest (the error term, and any steering); carried into the residual stream
 * (through {@code W_O} for z, {@code W_out} for the MLP's hidden layer), these with the rest of the final residual
 * (everything not written through the hook) add up to it. Each is passed through the final LayerNorm linearly with the
 * cached scale, as {@code dla} does, and dotted with {@code W_U[:, A]} (or {@code W_U[:, A] - W_U[:, B]}); with the
 * constant {@code ln_f.bias . u + b_U} they sum to the logit (or logit difference).
 */
public final class SaeAttribution {
    private SaeAttribution() {}

    /** One row: a feature (its number and activation), or -1 for the named rows. */
    public record Term(String name, int feature, float activation, double value) {}

    /**
     * @param features each active feature's contribution, largest |value| first
     * @param error the error term's (and any steering's): what the SAE's output holds besides features and bias
     * @param bias the decoder bias's
     * @param rest the rest of the final residual's: everything not written through the hook
     * @param constant {@code ln_f.bias . u}, plus {@code b_U[A] - b_U[B]} on processed weights
     * @param logit the model's logit (or logit difference) at the position
     * @param total every row plus the constant: equals {@code logit} up to rounding
     */
    public record Result(String sae, int position, long answer, long wrong, List<Term> features, double error, double bias,
                         double rest, double constant, double logit, double total) implements AnalysisResult {
        public boolean isDifference() {
            return wrong >= 0;
        }

        /** Every row: features, then error, decoder bias and rest. */
        public List<Term> terms() {
            List<Term> out = new ArrayList<>(features);
            out.add(new Term("error", -1, Float.NaN, error));
            out.add(new Term("decoder bias", -1, Float.NaN, bias));
            out.add(new Term("rest of residual", -1, Float.NaN, rest));
            return out;
        }

        @Override
        public NdData array() {
            return NdData.vector(features.stream().mapToDouble(Term::value).toArray());
        }

        @Override
        public List<String> columns() {
            return List.of("row", "feature", "activation", "value");
        }

        @Override
        public int rowCount() {
            return terms().size() + 1;
        }

        @Override
        public Object[] row(int i) {
            List<Term> all = terms();
            if (i == all.size()) {
                return new Object[] {"constant", -1, Double.NaN, constant};
            }
            Term t = all.get(i);
            return new Object[] {t.name(), t.feature(), (double) t.activation(), t.value()};
        }
    }

    /**
     * Attributes at {@code position} with {@code standing} in force (the SAE's own change left out: it is applied here,
     * by {@code splice}, so what the SAE reads and what it writes are both seen).
     *
     * @param wrong -1 for one token's logit
     */
    public static Result of(Gpt2 model, long[] ids, SaeSplice splice, List<Intervention> standing, int position, long answer,
                            long wrong, Runnable check) {
        SaePass.checkIds(model, ids);
        Sae sae = splice.sae();
        String problem = SaeLogits.pathProblem(sae);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        int t = ids.length;
        int p = position < 0 ? t + position : position;
        if (p < 0 || p >= t) {
            throw new IllegalArgumentException("position " + position + " is not within " + -t + ".." + (t - 1));
        }
        long v = model.config().vocabSize();
        for (long id : wrong >= 0 ? new long[] {answer, wrong} : new long[] {answer}) {
            if (id < 0 || id >= v) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (v - 1));
            }
        }
        int c = model.config().nEmbd();
        String finalHook = HookPoint.block(model.config().nLayer() - 1, HookPoint.RESID_POST);
        try (Hooks.Scope scope = model.hooks().scope(); NDManager m = model.manager().newSubManager()) {
            Interventions.register(scope, standing, () -> 0);
            NDArray[] in = new NDArray[1];
            NDArray[] fin = new NDArray[1];
            scope.add(sae.hook(), (name, a) -> {
                in[0] = a.duplicate();
                in[0].attach(m);
                return splice.idle() ? null : splice.apply(a); // the SAE acts as it stands
            });
            scope.add(finalHook, (name, a) -> {
                fin[0] = a.duplicate();
                fin[0].attach(m);
                return null;
            });
            check.run();
            NDArray logits = model.forward(ids, m); // [1, T, V]
            float[] row = logits.get(0, p).toType(DataType.FLOAT32, false).toFloatArray();
            double logit = wrong >= 0 ? (double) row[(int) answer] - row[(int) wrong] : row[(int) answer];

            NDArray x = sae.input(in[0]).get(new NDIndex("{}:{}", p, p + 1)); // [1, D], what the SAE read at p
            Sae.Encoded e = sae.encode(x);
            float[] acts = splice.edited(e.acts()).toFloatArray(); // [F]
            int[] active = java.util.stream.IntStream.range(0, acts.length).filter(f -> acts[f] != 0).toArray();
            NDArray out = sae.input(splice.idle() ? in[0] : splice.apply(in[0])).get(new NDIndex("{}:{}", p, p + 1)); // [1, D]
            NDArray recon = sae.decode(splice.edited(e.acts()), e); // [1, D]
            NDArray featureRows = featureRows(sae, active, acts, e, m); // [n, D], each as decoding scales it
            NDArray bias = recon.sub(featureRows.sum(new int[] {0}, true)); // [1, D]: b_dec and normalisation's shift
            NDArray error = out.sub(recon); // [1, D]: the error term (and steering), 0 when only the reconstruction stands

            NDArray parts = featureRows.concat(bias, 0).concat(error, 0); // [n+2, D] at the hook
            NDArray resid = toResidual(model, sae, parts, m); // [n+2, C]
            NDArray finalRow = fin[0].get(new NDIndex("0, {}", p)).toType(DataType.FLOAT32, false).reshape(1, c); // [1, C]
            NDArray written = resid.sum(new int[] {0}, true); // [1, C], the hook's whole write
            NDArray rest = finalRow.sub(written); // [1, C]
            float[] comps = resid.concat(rest, 0).toFloatArray(); // [n+3, C]
            float[] xf = finalRow.toFloatArray();
            float[] u = direction(model, answer, wrong, m);
            double bU = model.weights().unembedBias(answer) - (wrong >= 0 ? model.weights().unembedBias(wrong) : 0);
            // an attribution of NaN splits nothing: refused (ARCHITECTURE.md, "Non-finite values"), naming what is not finite
            String at = " at position " + p;
            String undefined = "the attribution is undefined";
            NonFiniteException.requireFinite(xf, "the final residual stream" + at, undefined, ids);
            NonFiniteException.requireFinite(comps, "the SAE's features, bias and error term in the residual" + at, undefined, ids);
            NonFiniteException.requireFinite(model.weights().finalNormWeight(), "the final LayerNorm's weights", undefined, ids);
            NonFiniteException.requireFinite(u, "the unembedding's direction", undefined, ids);
            NonFiniteException.requireFinite(new double[] {logit}, "the model's " + (wrong >= 0 ? "logit difference" : "logit") + at,
                    "there is nothing to check the attribution against", ids);
            double[] through = DirectLogitAttribution.throughFinalNorm(model, comps, xf, u, model.weights().finalNormWeight(),
                    model.weights().finalNormBias(), bU);
            int rows = comps.length / c;
            double[] value = java.util.Arrays.copyOf(through, rows);
            double constant = through[rows];
            double total = constant;
            for (double a : value) {
                total += a;
            }
            List<Term> terms = new ArrayList<>();
            for (int i = 0; i < active.length; i++) {
                terms.add(new Term("feature " + active[i], active[i], acts[active[i]], value[i]));
            }
            terms.sort(Comparator.comparingDouble((Term a) -> -Math.abs(a.value())));
            return new Result(sae.name(), p, answer, wrong, terms, value[active.length + 1], value[active.length],
                    value[active.length + 2], constant, logit, total);
        }
    }

    /** {@code acts[f] * W_dec[f]} for each active feature, scaled as decoding scales the sum: {@code [n, D]}. */
    private static NDArray featureRows(Sae sae, int[] active, float[] acts, Sae.Encoded e, NDManager m) {
        if (active.length == 0) {
            return m.zeros(new ai.djl.ndarray.types.Shape(0, sae.dIn()));
        }
        // decode's linear part applied to one feature at a time: decode(a_f e_f) - decode(0)
        float[] oneHot = new float[active.length * sae.dSae()];
        for (int i = 0; i < active.length; i++) {
            oneHot[i * sae.dSae() + active[i]] = acts[active[i]];
        }
        NDArray a = m.create(oneHot, new ai.djl.ndarray.types.Shape(active.length, sae.dSae()));
        Sae.Encoded each = new Sae.Encoded(a, e.scale() == null ? null : e.scale().broadcast(active.length, 1),
                e.shift() == null ? null : e.shift().broadcast(active.length, 1));
        NDArray zero = sae.decode(a.zerosLike(), each); // [n, D]: the bias and shift alone
        return sae.decode(a, each).sub(zero); // [n, D]
    }

    /** Rows at the hook carried into the residual stream: as they are, or through W_O (z) or W_out (MLP hidden). */
    private static NDArray toResidual(Gpt2 model, Sae sae, NDArray rows, NDManager m) {
        String point = HookPoint.pointOf(sae.hook());
        int layer = HookPoint.layerOf(sae.hook());
        if (point.equals(HookPoint.Z)) {
            NDArray wo = model.weights().copy("h." + layer + ".attn.c_proj.weight", m).toType(DataType.FLOAT32, false);
            int h = sae.config().hookHeadIndex();
            if (h >= 0) {
                int hs = model.config().dHead();
                wo = wo.get(new NDIndex("{}:{}, :", h * hs, (h + 1) * hs));
            }
            return rows.matMul(wo);
        }
        if (point.equals(HookPoint.MLP_POST)) {
            return rows.matMul(model.weights().copy("h." + layer + ".mlp.c_proj.weight", m).toType(DataType.FLOAT32, false));
        }
        return rows;
    }

    private static float[] direction(Gpt2 model, long answer, long wrong, NDManager m) {
        NDArray u = model.weights().tokenRow(answer, m).toType(DataType.FLOAT32, false);
        if (wrong >= 0) {
            u = u.sub(model.weights().tokenRow(wrong, m).toType(DataType.FLOAT32, false));
        }
        return u.toFloatArray();
    }

}
