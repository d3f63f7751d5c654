package jlens.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jlens.hook.HookPoint;
import jlens.intervene.prompts.BatchForward;
import jlens.intervene.prompts.BatchInput;
import jlens.intervene.prompts.BatchPadding;
import jlens.model.Gpt2;
import jlens.sae.Sae;
import jlens.sae.SaeConfig;
import jlens.sae.SaeFeatures;
import jlens.sae.SaeSplice;
import jlens.sae.SaeStats;

/**
 * The SAE timings for {@link Bench}: a random standard SAE of {@value #FEATURES} features (seeded) at the residual
 * entering two thirds of the way through the model ({@code blocks.8.hook_resid_pre} on gpt2-small's 12 layers).
 *
 * <ul>
 *   <li>{@code sae_features_s}: what {@code features} does on the bench's text (the activation at the hook, every
 *   feature at every token, the ten strongest at the last token with their promoted tokens), beside a forward pass
 *   timed between its runs ({@code sae_forward_s}); {@code sae_features_forwards} is their ratio.
 *   <li>{@code sae_corpus_tokens_per_s}: reconstruction statistics (L0, explained variance, MSE; the pass stops after
 *   the hook's block) over {@code --sae-tokens} tokens (100,000 by default; the bench's text repeated) in windows of
 *   128 in batches of 8, against {@code plain_batched_tokens_per_s}, a plain batched forward pass (all logits) over the
 *   same windows; {@code sae_corpus_loss_tokens_per_s} with the loss and KL too (the spliced and zeroed passes restart
 *   at the hook's layer); {@code sae_peak_rss_gb} the process's peak after them (alone with {@code --only sae}).
 * </ul>
 */
final class SaeBench {
    static final int FEATURES = 24_576;
    static final int WINDOW = 128;
    static final int BATCH = 8;

    private SaeBench() {}

    /** A random standard SAE at the hook: W_enc ~ N(0, 1/D), W_dec its transpose's rows normalised, b_enc a small negative bias. */
    static Sae randomSae(Gpt2 model) {
        int d = model.config().nEmbd();
        int layer = Math.max(0, model.config().nLayer() * 2 / 3);
        Random r = new Random(24576);
        float[] enc = new float[d * FEATURES];
        for (int i = 0; i < enc.length; i++) {
            enc[i] = (float) (r.nextGaussian() / Math.sqrt(d));
        }
        float[] dec = new float[FEATURES * d];
        for (int f = 0; f < FEATURES; f++) {
            double norm = 0;
            for (int k = 0; k < d; k++) {
                norm += enc[k * FEATURES + f] * enc[k * FEATURES + f];
            }
            for (int k = 0; k < d; k++) {
                dec[f * d + k] = (float) (enc[k * FEATURES + f] / Math.sqrt(norm));
            }
        }
        float[] bEnc = new float[FEATURES];
        java.util.Arrays.fill(bEnc, -0.5f);
        SaeConfig c = new SaeConfig(SaeConfig.Architecture.STANDARD, d, FEATURES, 0, false, true, SaeConfig.Normalization.NONE,
                Double.NaN, false, HookPoint.block(layer, HookPoint.RESID_PRE), -1, null, false, WINDOW, false, null, Map.of());
        return Sae.of("bench", c, Device.cpu(), enc, bEnc, dec, new float[d], null);
    }

    static void measure(Gpt2 model, long[] ids, int runs, int corpusTokens, Map<String, Object> out) throws IOException {
        try (Sae sae = randomSae(model)) {
            SaeSplice off = SaeSplice.off(sae);
            List<Double> passes = new ArrayList<>();
            double features = CircuitBench.medianBeside(runs, () -> SaeFeatures.at(model, sae,
                    SaeFeatures.of(model, ids, off, List.of(), () -> {}), ids.length - 1, 10, 5),
                    () -> Bench.forward(model, ids), passes);
            double pass = CircuitBench.median(passes.stream().mapToDouble(Double::doubleValue).toArray());
            out.put("sae_features", FEATURES);
            out.put("sae_hook", sae.hook());
            out.put("sae_features_s", Bench.round(features, 4));
            out.put("sae_forward_s", Bench.round(pass, 4));
            out.put("sae_features_forwards", Bench.round(features / pass, 3));

            List<long[][]> batches = windows(ids, corpusTokens, model.config().nPositions());
            long tokens = batches.stream().mapToLong(b -> (long) b.length * b[0].length).sum();
            double plain = CircuitBench.once(() -> {
                for (long[][] b : batches) {
                    try (NDManager m = model.manager().newSubManager()) {
                        BatchForward.logits(model, new BatchInput(java.util.Arrays.asList(b), BatchPadding.RIGHT, 0), model.hooks(), m);
                    }
                }
            });
            SaeStats.Sums[] sums = new SaeStats.Sums[1];
            double stats = CircuitBench.once(() -> sums[0] = sums(model, batches, sae, SaeStats.Level.RECONSTRUCTION));
            double loss = CircuitBench.once(() -> sums(model, batches, sae, SaeStats.Level.LOSS));
            out.put("sae_corpus_tokens", tokens);
            out.put("plain_batched_tokens_per_s", Bench.round(tokens / plain, 1));
            out.put("sae_corpus_tokens_per_s", Bench.round(tokens / stats, 1));
            out.put("sae_corpus_vs_plain", Bench.round(plain / stats, 3));
            out.put("sae_corpus_loss_tokens_per_s", Bench.round(tokens / loss, 1));
            out.put("sae_corpus_l0", Bench.round(sums[0].stats("bench", "corpus", SaeStats.Level.RECONSTRUCTION).l0(), 2));
            out.put("sae_peak_rss_gb", Bench.round(Bench.peakRssKb() / 1e6, 2));
        }
    }

    private static SaeStats.Sums sums(Gpt2 model, List<long[][]> batches, Sae sae, SaeStats.Level level) {
        SaeStats.Sums s = SaeStats.Sums.empty(sae.dIn());
        for (long[][] b : batches) {
            s = s.plus(SaeStats.of(model, b, sae, List.of(), level, () -> {}));
        }
        return s;
    }

    /** {@code total} tokens of the text repeated, cut into windows of {@link #WINDOW} (or the context) in batches. */
    private static List<long[][]> windows(long[] ids, int total, int context) {
        int w = Math.min(WINDOW, context);
        int n = Math.max(1, total / w);
        List<long[][]> out = new ArrayList<>();
        List<long[]> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] win = new long[w];
            for (int k = 0; k < w; k++) {
                win[k] = ids[(i * w + k) % ids.length];
            }
            batch.add(win);
            if (batch.size() == BATCH || i == n - 1) {
                out.add(batch.toArray(new long[0][]));
                batch.clear();
            }
        }
        return out;
    }
}
