package jlens.sae;

import java.util.List;
import jlens.analysis.AnalysisResult;
import jlens.analysis.NdData;
import jlens.model.Gpt2;

/**
 * One feature of an SAE, as Neuronpedia shows it: its activation on every token of the text, the tokens its decoder
 * direction promotes and suppresses most through the unembedding, and how often it fires.
 */
public final class SaeFeatureCard {
    private SaeFeatureCard() {}

    /**
     * @param sae the SAE's name
     * @param feature the feature
     * @param ids the text's token ids
     * @param pieces the tokens' text
     * @param acts its activation at every token {@code [T]}
     * @param max the largest activation
     * @param argmax where it is (the first such position)
     * @param active the tokens where it fires (activation above 0)
     * @param promoted the tokens its direction raises most, largest first
     * @param suppressed the tokens it lowers most, most negative first
     * @param noLogitPath why no tokens are listed (its hook has no direct path to the logits), or null
     */
    public record Card(String sae, int feature, long[] ids, String[] pieces, float[] acts, float max, int argmax, int active,
                       List<SaeLogits.TokenWeight> promoted, List<SaeLogits.TokenWeight> suppressed, String noLogitPath)
            implements AnalysisResult {
        /** The share of the text's tokens where it fires. */
        public double density() {
            return ids.length == 0 ? 0 : active / (double) ids.length;
        }

        @Override
        public NdData array() {
            return NdData.of(new long[] {acts.length}, acts);
        }

        @Override
        public List<String> columns() {
            return List.of("position", "token", "activation");
        }

        @Override
        public int rowCount() {
            return acts.length;
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {i, pieces[i], acts[i]};
        }
    }

    /** Feature {@code f} of the features {@code a}, with its {@code k} most promoted and suppressed tokens. */
    public static Card of(Gpt2 model, Sae sae, SaeFeatures.Activations a, int f, int k) {
        if (f < 0 || f >= sae.dSae()) {
            throw new IllegalArgumentException("feature " + f + " is out of range: " + sae.name() + " has features 0.."
                    + (sae.dSae() - 1));
        }
        float[] acts = a.feature(f);
        float max = Float.NEGATIVE_INFINITY;
        int argmax = 0;
        int active = 0;
        for (int p = 0; p < acts.length; p++) {
            if (acts[p] > max) {
                max = acts[p];
                argmax = p;
            }
            active += acts[p] > 0 ? 1 : 0;
        }
        String problem = SaeLogits.pathProblem(sae);
        SaeLogits.Weights w = problem == null ? SaeLogits.of(model, sae, new int[] {f}, k).get(0) : null;
        return new Card(sae.name(), f, a.ids(), a.pieces(), acts, max, argmax, active, w == null ? List.of() : w.promoted(),
                w == null ? List.of() : w.suppressed(), problem);
    }
}
