package jlens.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import jlens.analysis.AnalysisResult;
import jlens.hook.Hooks;
import jlens.intervene.Cells;
import jlens.intervene.Intervention;
import jlens.intervene.Interventions;
import jlens.intervene.Value;
import jlens.model.Gpt2;

/**
 * How well an SAE reconstructs its hook's activation, as SAELens's evals measure it, over texts: L0 (features active per
 * token), explained variance {@code 1 - sum|x - x_hat|^2 / sum|x - mean(x)|^2} (over every token together), MSE (per
 * element), and what the reconstruction does to the model: the next-token loss with it spliced in (and with the hook
 * zeroed, for the share of the loss it recovers) against the clean loss, and the KL divergence of the spliced model's
 * next-token distributions from the clean ones. Everything is a sum with an associative {@link Sums#plus}, so texts and
 * batches add up in any order, in bounded memory.
 *
 * <p>The clean pass runs with the changes in force (the SAE's own left out); the spliced and zeroed passes restart at
 * the hook's layer from the clean pass's residual, since nothing before it can differ.
 */
public final class SaeStats {
    private SaeStats() {}

    /** What to measure: the reconstruction only (the pass stops after the hook's block), or the loss and KL too. */
    public enum Level {
        RECONSTRUCTION,
        LOSS
    }

    /**
     * Sums over tokens.
     *
     * @param texts texts (rows) seen
     * @param tokens tokens encoded
     * @param activeSum the sum over tokens of the features active at each
     * @param rss the sum of squared reconstruction errors {@code sum |x - x_hat|^2}
     * @param sumSq {@code sum |x|^2}
     * @param sum {@code sum x} per input dimension {@code [D]}
     * @param predicted next-token predictions scored (T-1 per text)
     * @param ceClean the summed next-token loss of the model
     * @param ceSpliced with the reconstruction in place of the activation
     * @param ceZero with the activation zeroed
     * @param kl the summed KL(clean || spliced) over every position
     * @param klPositions the positions summed in {@code kl}
     */
    public record Sums(long texts, long tokens, double activeSum, double rss, double sumSq, double[] sum, long predicted,
                       double ceClean, double ceSpliced, double ceZero, double kl, long klPositions) {
        public static Sums empty(int dIn) {
            return new Sums(0, 0, 0, 0, 0, new double[dIn], 0, 0, 0, 0, 0, 0);
        }

        /** Both together: associative and commutative, {@link #empty} its identity. */
        public Sums plus(Sums o) {
            double[] s = sum.clone();
            for (int k = 0; k < s.length; k++) {
                s[k] += o.sum[k];
            }
            return new Sums(texts + o.texts, tokens + o.tokens, activeSum + o.activeSum, rss + o.rss, sumSq + o.sumSq, s,
                    predicted + o.predicted, ceClean + o.ceClean, ceSpliced + o.ceSpliced, ceZero + o.ceZero, kl + o.kl,
                    klPositions + o.klPositions);
        }

        /** The statistics these sums give. */
        public Stats stats(String sae, String over, Level level) {
            double n = tokens;
            double meanSq = 0;
            for (double v : sum) {
                meanSq += (v / n) * (v / n);
            }
            double tss = sumSq - n * meanSq; // sum |x - mean|^2
            boolean loss = level == Level.LOSS && predicted > 0;
            return new Stats(sae, over, texts, tokens, activeSum / n, 1 - rss / tss, rss / (n * sum.length),
                    loss ? ceClean / predicted : Double.NaN, loss ? ceSpliced / predicted : Double.NaN,
                    loss ? ceZero / predicted : Double.NaN, loss ? kl / klPositions : Double.NaN);
        }
    }

    /**
     * The statistics.
     *
     * @param over what they were measured on ({@code the text}, {@code 40 prompts})
     * @param l0 features active per token, on average
     * @param explainedVariance {@code 1 - RSS / TSS} over every token together (1 for a perfect reconstruction)
     * @param mse the mean squared error per element
     * @param ceClean the model's mean next-token loss (NaN when not measured)
     * @param ceSpliced the same with the reconstruction spliced in
     * @param ceZero the same with the hook's activation zeroed
     * @param kl the mean KL divergence of the spliced model's next-token distribution from the model's
     */
    public record Stats(String sae, String over, long texts, long tokens, double l0, double explainedVariance, double mse,
                        double ceClean, double ceSpliced, double ceZero, double kl) implements AnalysisResult {
        /** The share of the loss that zeroing the hook costs which the reconstruction recovers (SAELens's ce_loss_score). */
        public double lossRecovered() {
            return (ceZero - ceSpliced) / (ceZero - ceClean);
        }

        @Override
        public List<String> columns() {
            return List.of("statistic", "value");
        }

        /** Whether the losses were measured ({@link Level#LOSS}); a quick run leaves them NaN, and out of the saved rows. */
        public boolean lossesMeasured() {
            return !(Double.isNaN(ceClean) && Double.isNaN(ceSpliced) && Double.isNaN(ceZero) && Double.isNaN(kl));
        }

        private Object[][] rows() {
            Object[][] reconstruction = {{"tokens", (double) tokens}, {"l0", l0}, {"explained_variance", explainedVariance},
                {"mse", mse}};
            Object[][] losses = {{"ce_loss_without_sae", ceClean}, {"ce_loss_with_sae", ceSpliced},
                {"ce_loss_with_ablation", ceZero}, {"ce_loss_score", lossRecovered()}, {"kl_div_with_sae", kl}};
            return lossesMeasured() ? java.util.stream.Stream.concat(java.util.Arrays.stream(reconstruction),
                    java.util.Arrays.stream(losses)).toArray(Object[][]::new) : reconstruction;
        }

        @Override
        public int rowCount() {
            return rows().length;
        }

        @Override
        public Object[] row(int i) {
            return rows()[i];
        }
    }

    /**
     * The sums over {@code batch} (rows of one length) with {@code standing} in force (the SAE's own change left out).
     *
     * @param check run before every layer (Ctrl-C)
     */
    public static Sums of(Gpt2 model, long[][] batch, Sae sae, List<Intervention> standing, Level level, Runnable check) {
        for (long[] ids : batch) {
            SaePass.checkIds(model, ids);
        }
        if (level == Level.RECONSTRUCTION) {
            try (NDManager m = model.manager().newSubManager()) {
                return reconstruction(sae, SaePass.input(model, batch, sae, standing, m, check), batch.length);
            }
        }
        int nLayer = model.config().nLayer();
        int start = Math.max(0, SaePass.layer(sae.hook(), nLayer)); // the first block that can differ
        boolean fromEmbedding = SaePass.layer(sae.hook(), nLayer) < 0;
        try (Hooks.Scope inForce = model.hooks().scope(); NDManager pass = model.manager().newSubManager()) {
            Interventions.register(inForce, standing, () -> 0);
            NDArray ids = SaePass.tokens(pass, batch); // [B, T]
            NDArray x = model.embed(ids, 0, model.hooks()); // [B, T, C]
            for (int l = 0; l < start; l++) {
                check.run();
                x = model.block(l, x, null, model.hooks()).residual(); // [B, T, C]
            }
            NDArray restart = x; // [B, T, C], the residual entering the hook's block
            NDArray[] seen = new NDArray[1];
            NDArray clean;
            try (Hooks.Scope capture = model.hooks().scope()) {
                capture.add(sae.hook(), (name, a) -> {
                    seen[0] = a;
                    return null;
                });
                clean = tail(model, fromEmbedding ? null : restart, ids, start, check); // [B, T, C] final residual
            }
            Sums rec = reconstruction(sae, sae.input(seen[0]), batch.length);
            NDArray spliced;
            NDArray zeroed;
            try (Hooks.Scope s = model.hooks().scope()) {
                Interventions.register(s, List.of(new SaeSplice(sae, SaeSplice.Mode.SPLICED, List.of()).intervention()), () -> 0);
                spliced = tail(model, fromEmbedding ? null : restart, ids, start, check);
            }
            try (Hooks.Scope s = model.hooks().scope()) {
                Cells cells = sae.config().hookHeadIndex() >= 0 ? Cells.head(sae.config().hookHeadIndex()) : Cells.ALL;
                Interventions.register(s, List.of(new Intervention(sae.hook(), cells, Value.zero())), () -> 0);
                zeroed = tail(model, fromEmbedding ? null : restart, ids, start, check);
            }
            return rec.plus(loss(model, batch, clean, spliced, zeroed, sae.dIn()));
        }
    }

    /** Blocks {@code start..L-1} from {@code x} (from the embeddings when null): the final residual {@code [B, T, C]}. */
    private static NDArray tail(Gpt2 model, NDArray x, NDArray ids, int start, Runnable check) {
        NDArray h = x == null ? model.embed(ids, 0, model.hooks()) : x;
        for (int l = start; l < model.config().nLayer(); l++) {
            check.run();
            h = model.block(l, h, null, model.hooks()).residual();
        }
        return h;
    }

    /** L0, squared errors and input sums of the SAE's input rows {@code x} {@code [N, D]}. */
    private static Sums reconstruction(Sae sae, NDArray x, int texts) {
        Sae.Encoded e = sae.encode(x);
        NDArray recon = sae.decode(e); // [N, D]
        double active = e.acts().gt(0f).sum().toType(DataType.FLOAT64, false).getDouble();
        double rss = recon.sub(x).square().sum().toType(DataType.FLOAT64, false).getDouble();
        double sumSq = x.square().sum().toType(DataType.FLOAT64, false).getDouble();
        float[] colSum = x.sum(new int[] {0}).toFloatArray(); // [D]
        double[] sum = new double[colSum.length];
        for (int k = 0; k < sum.length; k++) {
            sum[k] = colSum[k];
        }
        long n = x.getShape().get(0);
        return new Sums(texts, n, active, rss, sumSq, sum, 0, 0, 0, 0, 0, 0);
    }

    /**
     * Next-token losses and KL of the three final residuals, one row at a time (the logits are {@code [T, V]} each); the
     * changes in force are still registered, so any at the final norm or the logits act on all three alike.
     */
    private static Sums loss(Gpt2 model, long[][] batch, NDArray clean, NDArray spliced, NDArray zeroed, int dIn) {
        double ceClean = 0;
        double ceSpliced = 0;
        double ceZero = 0;
        double kl = 0;
        long predicted = 0;
        long positions = 0;
        for (int b = 0; b < batch.length; b++) {
            int t = batch[b].length;
            try (NDManager row = clean.getManager().newSubManager()) {
                NDArray targets = row.create(java.util.Arrays.copyOfRange(batch[b], 1, t)).reshape(t - 1, 1); // [T-1, 1]
                NDArray lpClean = logProbs(model, clean, b, row); // [T, V]
                NDArray lpSpliced = logProbs(model, spliced, b, row); // [T, V]
                NDArray lpZero = logProbs(model, zeroed, b, row); // [T, V]
                if (t > 1) {
                    ceClean -= nextToken(lpClean, targets);
                    ceSpliced -= nextToken(lpSpliced, targets);
                    ceZero -= nextToken(lpZero, targets);
                    predicted += t - 1;
                }
                kl += lpClean.exp().mul(lpClean.sub(lpSpliced)).sum().toType(DataType.FLOAT64, false).getDouble();
                positions += t;
            }
        }
        return new Sums(0, 0, 0, 0, 0, new double[dIn], predicted, ceClean, ceSpliced, ceZero, kl, positions);
    }

    /** Row {@code b} of final residuals {@code [B, T, C]} through the final norm and the unembedding, log-softmaxed: {@code [T, V]}. */
    private static NDArray logProbs(Gpt2 model, NDArray finals, int b, NDManager row) {
        NDArray x = finals.get(new NDIndex("{}:{}", b, b + 1)); // [1, T, C]
        x.attach(row);
        NDArray logits = model.unembed(x, model.hooks()).get(0); // [T, V], with the changes in force at the final norm
        return logits.toType(DataType.FLOAT32, false).logSoftmax(1);
    }

    /** The summed log-prob of each next token {@code targets} {@code [T-1, 1]} under {@code lp} {@code [T, V]}. */
    private static double nextToken(NDArray lp, NDArray targets) {
        NDArray rows = lp.get(new NDIndex(":-1")); // [T-1, V]
        return rows.gather(targets, 1).sum().toType(DataType.FLOAT64, false).getDouble();
    }

    /** Texts cut into rows of one length for batches (a prompt set's texts each alone). */
    static List<long[][]> alone(List<long[]> texts) {
        List<long[][]> out = new ArrayList<>();
        texts.forEach(t -> out.add(new long[][] {t}));
        return out;
    }
}
