package jlens.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import jlens.Fixture;
import jlens.model.Gpt2;
import org.junit.jupiter.api.Test;

/**
 * Known answers computed by hand: the activation rules on a 3-feature toy (JumpReLU's threshold, TopK's k with ReLU after
 * the choice, gated's gate), an identity SAE ({@code W_dec = [I; -I]}, {@code W_enc = W_dec^T}, zero biases: SAELens's
 * test_evals) that reconstructs exactly with L0 = d_in and explained variance 1, and the normalisations, which an
 * identity SAE must undo exactly.
 */
class SaeToyTest {
    /** A config for a toy: architecture, D, F, k; no normalisation, b_dec not applied to the input. */
    static SaeConfig config(SaeConfig.Architecture a, int d, int f, int k, SaeConfig.Normalization norm, double scale,
                            boolean bDecIn) {
        return new SaeConfig(a, d, f, k, false, bDecIn, norm, scale, false, "blocks.0.hook_resid_pre", -1, "toy", false, 0,
                false, null, Map.of());
    }

    // W_enc [2, 3] (D x F), b_enc [3], W_dec [3, 2]
    static final float[] W_ENC = {1, 0, 1, 0, 1, 1};
    static final float[] B_ENC = {0, 0, -0.9f};
    static final float[] W_DEC = {1, 0, 0, 1, 0.5f, 0.5f};
    static final float[] B_DEC = {0, 0};
    // rows: pre-activations [1, 0.3, 0.4], [0.2, 2, 1.3], [-1, -2, -3.9]
    static final float[] X = {1, 0.3f, 0.2f, 2, -1, -2};

    static float[] encode(Sae sae, float[] x, int d) {
        try (NDManager m = NDManager.newBaseManager()) {
            return sae.encode(m.create(x, new Shape(x.length / d, d))).acts().toFloatArray();
        }
    }

    @Test
    void jumpReluKeepsOnlyPreActivationsAboveTheThreshold() {
        float[] threshold = {1f, 0.5f, 1f};
        try (Sae sae = Sae.of("toy", config(SaeConfig.Architecture.JUMPRELU, 2, 3, 0, SaeConfig.Normalization.NONE, Double.NaN,
                false), Device.cpu(), W_ENC, B_ENC, W_DEC, B_DEC, threshold)) {
            // a pre-activation of exactly 1 is not above a threshold of 1 (strictly greater); 0.3 <= 0.5 and 0.4 <= 1 are
            // cut; 2 > 0.5 and 1.3 > 1 pass; negatives are 0
            assertArrayEquals(new float[] {0, 0, 0, 0, 2, 1.3f, 0, 0, 0}, encode(sae, X, 2), 1e-6f);
        }
    }

    @Test
    void topKKeepsTheKLargestThenReLU() {
        try (Sae k1 = Sae.of("toy", config(SaeConfig.Architecture.TOPK, 2, 3, 1, SaeConfig.Normalization.NONE, Double.NaN,
                false), Device.cpu(), W_ENC, B_ENC, W_DEC, B_DEC, null);
             Sae k2 = Sae.of("toy", config(SaeConfig.Architecture.TOPK, 2, 3, 2, SaeConfig.Normalization.NONE, Double.NaN,
                     false), Device.cpu(), W_ENC, B_ENC, W_DEC, B_DEC, null)) {
            assertArrayEquals(new float[] {1, 0, 0, 0, 2, 0, 0, 0, 0}, encode(k1, X, 2), 1e-6f);
            // k = 2: the two largest; the third row's two largest (-1, -2) become 0 after ReLU
            assertArrayEquals(new float[] {1, 0, 0.4f, 0, 2, 1.3f, 0, 0, 0}, encode(k2, X, 2), 1e-6f);
        }
    }

    @Test
    void standardIsReLUAndDecodingAddsRows() {
        try (Sae sae = Sae.of("toy", config(SaeConfig.Architecture.STANDARD, 2, 3, 0, SaeConfig.Normalization.NONE, Double.NaN,
                false), Device.cpu(), W_ENC, B_ENC, W_DEC, new float[] {0.25f, -0.25f}, null);
             NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(new float[] {1, 0.3f, 0.4f, 0.2f, 2, 1.3f, 0, 0, 0}, encode(sae, X, 2), 1e-6f);
            Sae.Encoded e = sae.encode(m.create(X, new Shape(3, 2)));
            // row 1: 1*(1,0) + 0.3*(0,1) + 0.4*(0.5,0.5) + b_dec = (1.45, 0.25)
            assertArrayEquals(new float[] {1.45f, 0.25f, 1.1f, 2.4f, 0.25f, -0.25f}, sae.decode(e).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void identitySaeReconstructsExactlyWithL0OfDIn() {
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            int d = model.config().nEmbd();
            float[] dec = new float[2 * d * d]; // [2D, D]: I over -I
            float[] enc = new float[d * 2 * d]; // [D, 2D] = dec^T
            for (int i = 0; i < d; i++) {
                dec[i * d + i] = 1;
                dec[(d + i) * d + i] = -1;
                enc[i * 2 * d + i] = 1;
                enc[i * 2 * d + d + i] = -1;
            }
            SaeConfig c = config(SaeConfig.Architecture.STANDARD, d, 2 * d, 0, SaeConfig.Normalization.NONE, Double.NaN, true);
            try (Sae sae = Sae.of("identity", c, Device.cpu(), enc, new float[2 * d], dec, new float[d], null)) {
                long[] ids = Fixture.tokenIds();
                SaeStats.Stats s = SaeStats.of(model, new long[][] {ids}, sae, List.of(), SaeStats.Level.LOSS, () -> {})
                        .stats("identity", "the text", SaeStats.Level.LOSS);
                assertEquals(d, s.l0(), 1e-9, "every coordinate is nonzero, so one of each +/- pair fires");
                assertEquals(1.0, s.explainedVariance(), 1e-6);
                assertEquals(0.0, s.mse(), 1e-10);
                assertEquals(s.ceClean(), s.ceSpliced(), 1e-5, "the model is unchanged with it spliced in");
                assertEquals(0.0, s.kl(), 1e-6);
            }
        }
    }

    /** An identity SAE under each normalisation: the input is normalised, reconstructed, and the output scaled back. */
    @Test
    void normalisationsAreUndoneExactly() {
        int d = 4;
        float[] dec = new float[2 * d * d];
        float[] enc = new float[d * 2 * d];
        for (int i = 0; i < d; i++) {
            dec[i * d + i] = 1;
            dec[(d + i) * d + i] = -1;
            enc[i * 2 * d + i] = 1;
            enc[i * 2 * d + d + i] = -1;
        }
        float[] x = {3, -1, 2, 0.5f, -4, 8, 1, 1};
        for (SaeConfig.Normalization n : List.of(SaeConfig.Normalization.CONSTANT_NORM_RESCALE, SaeConfig.Normalization.LAYER_NORM)) {
            SaeConfig c = config(SaeConfig.Architecture.STANDARD, d, 2 * d, 0, n, Double.NaN, true);
            try (Sae sae = Sae.of("identity", c, Device.cpu(), enc, new float[2 * d], dec, new float[d], null);
                 NDManager m = NDManager.newBaseManager()) {
                NDArray in = m.create(x, new Shape(2, d));
                Sae.Encoded e = sae.encode(in);
                assertArrayEquals(x, sae.decode(e).toFloatArray(), 1e-4f, n.word());
                float[] acts = e.acts().toFloatArray();
                if (n == SaeConfig.Normalization.CONSTANT_NORM_RESCALE) { // the input is scaled to norm sqrt(D) = 2
                    double norm = 0;
                    for (int i = 0; i < d; i++) {
                        norm += acts[i] * acts[i] + acts[d + i] * acts[d + i];
                    }
                    assertEquals(4.0, norm, 1e-4, "|x_n|^2 = D");
                } else { // centred, divided by the unbiased std (+1e-5): the row (3, -1, 2, 0.5) has mean 1.125
                    double std = Math.sqrt((Math.pow(1.875, 2) + Math.pow(2.125, 2) + Math.pow(0.875, 2) + Math.pow(0.625, 2)) / 3);
                    assertEquals(1.875 / (std + 1e-5), acts[0], 1e-5);
                }
            }
        }
    }

    @Test
    void gatedMultipliesTheGateByTheMagnitude() throws Exception {
        // a gated SAE with one input and two features, through a folder: b_gate [0, -5], r_mag [ln 2, 0], b_mag [1, 1]
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("jlens-gated");
        try {
            SaeFolderWriter.write(dir, """
                    {"d_in": 1, "d_sae": 2, "architecture": "gated", "apply_b_dec_to_input": false,
                     "normalize_activations": "none", "metadata": {"sae_lens_version": "6.5.1", "hook_name": "blocks.0.hook_resid_pre"}}""",
                    Map.of("W_enc", new float[] {1, 1}, "b_gate", new float[] {0, -5}, "b_mag", new float[] {1, 1},
                            "r_mag", new float[] {(float) Math.log(2), 0}, "W_dec", new float[] {1, 1}, "b_dec", new float[] {0}),
                    Map.of("W_enc", new long[] {1, 2}, "b_gate", new long[] {2}, "b_mag", new long[] {2}, "r_mag", new long[] {2},
                            "W_dec", new long[] {2, 1}, "b_dec", new long[] {1}));
            try (Sae sae = Sae.load(dir, "gated", Device.cpu(), Double.NaN)) {
                // x = 3: gate pre [3, -2]: feature 1 is shut; magnitude of feature 0 = 3 * 2 + 1 = 7
                // x = -1: gate pre [-1, -6]: both shut
                assertArrayEquals(new float[] {7, 0, 0, 0}, encode(sae, new float[] {3, -1}, 1), 1e-5f);
            }
        } finally {
            SaeFolderWriter.delete(dir);
        }
    }

    @Test
    void expectedAverageScalingIsFoldedIntoTheWeights() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("jlens-norm");
        try {
            // pre-6: a boolean normalize_activations true means expected_average_only_in; x is scaled by 10 going in
            SaeFolderWriter.write(dir, """
                    {"hook_point": "blocks.0.hook_resid_pre", "d_in": 1, "d_sae": 2, "normalize_activations": true,
                     "apply_b_dec_to_input": true}""",
                    Map.of("W_enc", new float[] {1, -1}, "b_enc", new float[] {0, 0}, "W_dec", new float[] {1, -1},
                            "b_dec", new float[] {2}),
                    Map.of("W_enc", new long[] {1, 2}, "b_enc", new long[] {2}, "W_dec", new long[] {2, 1}, "b_dec", new long[] {1}));
            SaeLoadException refused = org.junit.jupiter.api.Assertions.assertThrows(SaeLoadException.class,
                    () -> Sae.load(dir, "n", Device.cpu(), Double.NaN));
            assertTrue(refused.getMessage().contains("'normalize_activations'") && refused.getMessage().contains("--norm-scale"),
                    refused.getMessage());
            try (Sae sae = Sae.load(dir, "n", Device.cpu(), 10); NDManager m = NDManager.newBaseManager()) {
                // x = 0.5: sae_in = 0.5*10 - 2 = 3: features [3, 0]; recon = (3*1 + 2) / 10 = 0.5
                Sae.Encoded e = sae.encode(m.create(new float[] {0.5f}, new Shape(1, 1)));
                assertArrayEquals(new float[] {3, 0}, e.acts().toFloatArray(), 1e-5f);
                assertArrayEquals(new float[] {0.5f}, sae.decode(e).toFloatArray(), 1e-6f);
            }
        } finally {
            SaeFolderWriter.delete(dir);
        }
    }
}
