package jlens.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import jlens.analysis.AnalysisResult;
import jlens.analysis.NdData;
import jlens.intervene.Intervention;
import jlens.model.Gpt2;

/**
 * The features of a text: what an SAE's encoder makes of the activation arriving at its hook (with the changes in force
 * upstream of it, and its own feature edits applied), at every position; and, at one position, the most active features
 * with the tokens each promotes through {@code W_dec} and the unembedding ({@link SaeLogits}).
 */
public final class SaeFeatures {
    private SaeFeatures() {}

    /**
     * Every feature at every token.
     *
     * @param sae the SAE's name
     * @param ids the token ids
     * @param pieces the tokens' text
     * @param dSae the number of features F
     * @param acts the activations {@code [T, F]}, row-major
     */
    public record Activations(String sae, long[] ids, String[] pieces, int dSae, float[] acts) implements AnalysisResult {
        public int tokens() {
            return ids.length;
        }

        public float at(int position, int feature) {
            return acts[position * dSae + feature];
        }

        /** One feature's activation at every token {@code [T]}. */
        public float[] feature(int f) {
            float[] out = new float[ids.length];
            for (int p = 0; p < out.length; p++) {
                out[p] = at(p, f);
            }
            return out;
        }

        /** How many features are active (above 0) at {@code position}. */
        public int active(int position) {
            int n = 0;
            for (int f = 0; f < dSae; f++) {
                n += at(position, f) > 0 ? 1 : 0;
            }
            return n;
        }

        /** The {@code k} most active features at {@code position}, largest first (ties by feature number); only active ones. */
        public int[] top(int position, int k) {
            return IntStream.range(0, dSae).filter(f -> at(position, f) > 0).boxed()
                    .sorted(Comparator.comparingDouble((Integer f) -> -at(position, f)).thenComparingInt(f -> f))
                    .limit(k).mapToInt(Integer::intValue).toArray();
        }

        /** {@code save feats.npy}: {@code [T, d_sae]}. */
        @Override
        public NdData array() {
            return NdData.of(new long[] {ids.length, dSae}, acts);
        }

        /** The table lists the active features only: position, token, feature, activation. */
        @Override
        public List<String> columns() {
            return List.of("position", "token", "feature", "activation");
        }

        @Override
        public int rowCount() {
            int n = 0;
            for (float a : acts) {
                n += a != 0 ? 1 : 0;
            }
            return n;
        }

        @Override
        public Object[] row(int i) {
            int seen = -1;
            for (int k = 0; k < acts.length; k++) {
                if (acts[k] != 0 && ++seen == i) {
                    return new Object[] {k / dSae, pieces[k / dSae], k % dSae, acts[k]};
                }
            }
            throw new IndexOutOfBoundsException(i);
        }
    }

    /**
     * The features of {@code ids}: the activation at the SAE's hook in a pass with {@code standing} in force (the SAE's
     * own change left out: what it reads arrives before it acts), encoded, with {@code splice}'s ablate and set edits.
     *
     * @param check run before every layer (Ctrl-C)
     */
    public static Activations of(Gpt2 model, long[] ids, SaeSplice splice, List<Intervention> standing, Runnable check) {
        Sae sae = splice.sae();
        SaePass.checkIds(model, ids);
        float[] acts;
        try (NDManager m = model.manager().newSubManager()) {
            NDArray x = SaePass.input(model, new long[][] {ids}, sae, standing, m, check); // [T, D]
            acts = splice.edited(sae.encode(x).acts()).toFloatArray(); // [T, F]
        }
        return new Activations(sae.name(), ids.clone(), model.tokenizer().pieces(ids), sae.dSae(), acts);
    }

    /** One of the most active features at a position, with the tokens it promotes most. */
    public record Hit(int feature, float activation, List<SaeLogits.TokenWeight> promoted) {}

    /**
     * The most active features at one position.
     *
     * @param position the position (0-based)
     * @param active how many features are active there
     * @param top the most active, largest first
     * @param all every feature at every token ({@code save feats.npy} writes them)
     * @param noLogitPath why the features have no tokens listed (a hook with no direct path to the logits), or null
     */
    public record AtPosition(String sae, int position, int active, List<Hit> top, Activations all, String noLogitPath)
            implements AnalysisResult {
        @Override
        public NdData array() {
            return all.array();
        }

        @Override
        public List<String> columns() {
            return List.of("rank", "feature", "activation", "promoted_tokens");
        }

        @Override
        public int rowCount() {
            return top.size();
        }

        @Override
        public Object[] row(int i) {
            Hit h = top.get(i);
            return new Object[] {i + 1, h.feature(), h.activation(),
                    String.join(" ", h.promoted().stream().map(SaeLogits.TokenWeight::token).toList())};
        }
    }

    /**
     * The {@code k} most active features of {@code a} at {@code position}, each with its {@code tokens} most promoted
     * tokens.
     */
    public static AtPosition at(Gpt2 model, Sae sae, Activations a, int position, int k, int tokens) {
        if (position < 0 || position >= a.tokens()) {
            throw new IllegalArgumentException("position " + position + " is not within 0.." + (a.tokens() - 1));
        }
        int[] top = a.top(position, k);
        String problem = SaeLogits.pathProblem(sae);
        List<SaeLogits.Weights> weights = problem == null ? SaeLogits.of(model, sae, top, tokens) : List.of();
        List<Hit> hits = new ArrayList<>();
        for (int i = 0; i < top.length; i++) {
            hits.add(new Hit(top[i], a.at(position, top[i]), problem == null ? weights.get(i).promoted() : List.of()));
        }
        return new AtPosition(sae.name(), position, a.active(position), hits, a, problem);
    }
}
