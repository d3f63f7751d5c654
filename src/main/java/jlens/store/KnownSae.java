package jlens.store;

import static jlens.store.KnownResidual.D_MODEL;
import static jlens.store.KnownResidual.D_TOKEN;
import static jlens.store.KnownResidual.OUTPUT;
import static jlens.store.KnownResidual.PREVIOUS;
import static jlens.store.KnownResidual.TOKEN;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jlens.model.ModelLoadException;
import jlens.model.Safetensors;
import jlens.model.SafetensorsWriter;

/**
 * An SAE for the known-answer model whose features are its wired directions, in SAELens's folder layout: at
 * {@code blocks.1.hook_resid_pre} (after layer 0, where the residual holds the current token in its token block and,
 * written by the previous-token head 0.1, the previous token in its previous-token block), one JumpReLU feature per
 * working token (ids 0..{@value #TOKENS}-1: GPT-2's bytes and its most frequent merges) reading the token block, and one
 * per working token reading the previous-token block. Feature {@code t} is "the current token is t", feature
 * {@code TOKENS + t} "the previous token is t". Each encoder column is the token's vector over its squared norm, so the
 * feature of the token that is there reads 1 and any other token its cosine (below ~0.6 for random 96-dimensional
 * vectors among these tokens); the threshold {@value #THRESHOLD} keeps exactly the right ones. The decoder writes the
 * vector back where the model keeps it (the token block and its output copy, or the previous-token block).
 *
 * <p>So {@code features} at any position from 2 on names exactly the current and the previous token; at position 1
 * the previous token is the first position's, which layer 0 shrinks a hundredfold (it is the attention sink), and at
 * position 0 there is none.
 *
 * <p>Written beside the known model's folder at first use ({@code known-sae-VERSION}), derived from its verified
 * embedding bytes through {@link jlens.sys.AtomicWriter}, deterministic, and trusted by the same rule: a folder is used only
 * when its files hash to {@link #SHA256}; anything else is replaced whole.
 */
public final class KnownSae {
    /** Bump when the writer's output changes. */
    static final String VERSION = "1";
    /** The working tokens: ids 0..TOKENS-1. */
    public static final int TOKENS = 8192;
    public static final String HOOK = "blocks.1.hook_resid_pre";
    static final float THRESHOLD = 0.75f;
    static final List<String> FILES = List.of("cfg.json", "sae_weights.safetensors");
    /** SHA-256 over {@link #FILES} as {@link KnownModel#SHA256} is taken; {@code KnownSaeTest} names the new value when it changes. */
    static final String SHA256 = "b4b11a6f26216b34b594cbe60d94b4d316ebcf927d2b2ae1946eb8764db9596b";

    private KnownSae() {}

    /** The feature of "the current token is {@code id}", or -1 outside the working tokens. */
    public static int currentToken(long id) {
        return id >= 0 && id < TOKENS ? (int) id : -1;
    }

    /** The feature of "the previous token is {@code id}", or -1 outside the working tokens. */
    public static int previousToken(long id) {
        return id >= 0 && id < TOKENS ? TOKENS + (int) id : -1;
    }

    /**
     * The SAE beside the known model in {@code modelDir} (which must be the verified known model), written at first use.
     *
     * @throws ModelStoreException when the folder is not the known model, or the SAE cannot be written
     */
    public static Path ensureBeside(Path modelDir) throws ModelStoreException {
        if (!KnownModel.verified(modelDir)) {
            throw new ModelStoreException(ModelStoreException.Kind.LOCAL_FOLDER, "the known SAE is for the known-answer model; " + modelDir
                    + " is not it ('load known' first)");
        }
        Path dir = modelDir.toAbsolutePath().getParent().resolve("known-sae-" + VERSION);
        return KnownModel.ensureVerified(dir, FILES, SHA256, tmp -> write(modelDir, tmp), "the known SAE");
    }

    /** Writes the SAE's two files into {@code target}, from the known model's embedding in {@code modelDir}. */
    static void write(Path modelDir, Path target) throws IOException {
        float[][] u = tokenVectors(modelDir);
        int f = 2 * TOKENS;
        ByteBuffer enc = ByteBuffer.allocate(D_MODEL * f * 2).order(ByteOrder.LITTLE_ENDIAN); // [D, F] F16
        ByteBuffer dec = ByteBuffer.allocate(f * D_MODEL * 2).order(ByteOrder.LITTLE_ENDIAN); // [F, D] F16
        double[] invNormSq = new double[TOKENS];
        for (int t = 0; t < TOKENS; t++) {
            double sq = 0;
            for (float x : u[t]) {
                sq += (double) x * x;
            }
            invNormSq[t] = 1 / sq;
        }
        for (int k = 0; k < D_MODEL; k++) {
            for (int j = 0; j < f; j++) {
                int t = j % TOKENS;
                int block = j < TOKENS ? TOKEN : PREVIOUS; // what feature j reads
                double w = k >= block && k < block + D_TOKEN ? u[t][k - block] * invNormSq[t] : 0;
                enc.putShort(SafetensorsWriter.toHalf((float) w));
            }
        }
        for (int j = 0; j < f; j++) {
            int t = j % TOKENS;
            for (int k = 0; k < D_MODEL; k++) {
                double w = 0;
                if (j < TOKENS && k >= TOKEN && k < TOKEN + D_TOKEN) {
                    w = u[t][k - TOKEN];
                } else if (j < TOKENS && k >= OUTPUT && k < OUTPUT + D_TOKEN) {
                    w = u[t][k - OUTPUT]; // the embedding's second copy of the token
                } else if (j >= TOKENS && k >= PREVIOUS && k < PREVIOUS + D_TOKEN) {
                    w = u[t][k - PREVIOUS];
                }
                dec.putShort(SafetensorsWriter.toHalf((float) w));
            }
        }
        float[] threshold = new float[f];
        java.util.Arrays.fill(threshold, THRESHOLD);
        new SafetensorsWriter().metadata("format", "pt")
                .add("W_enc", "F16", new long[] {D_MODEL, f}, enc.array())
                .addF32("b_enc", new long[] {f}, new float[f])
                .add("W_dec", "F16", new long[] {f, D_MODEL}, dec.array())
                .addF32("b_dec", new long[] {D_MODEL}, new float[D_MODEL])
                .addF32("threshold", new long[] {f}, threshold)
                .write(target.resolve("sae_weights.safetensors"));
        Files.writeString(target.resolve("cfg.json"), config(f), StandardCharsets.UTF_8);
    }

    static String config(int f) {
        return """
                {
                  "d_in": %d,
                  "d_sae": %d,
                  "dtype": "float32",
                  "device": "cpu",
                  "apply_b_dec_to_input": false,
                  "normalize_activations": "none",
                  "reshape_activations": "none",
                  "architecture": "jumprelu",
                  "metadata": {
                    "sae_lens_version": "6.0.0",
                    "model_name": "%s",
                    "hook_name": "%s",
                    "hook_head_index": null,
                    "prepend_bos": false,
                    "context_size": 1024,
                    "description": "features %d..%d: the current token is id f; %d..%d: the previous token is id f - %d"
                  }
                }
                """.formatted(D_MODEL, f, ModelStore.KNOWN_SPEC, HOOK, 0, TOKENS - 1, TOKENS, f - 1, TOKENS);
    }

    /** The token block of {@code wte} rows 0..TOKENS-1, as the model stores them (F16 read exactly). */
    private static float[][] tokenVectors(Path modelDir) throws IOException {
        Path file = modelDir.resolve(ModelFiles.WEIGHTS);
        Safetensors.TensorInfo wte;
        try {
            wte = Safetensors.open(file).tensors().get("wte.weight");
        } catch (ModelLoadException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (wte == null || !wte.dtype().equals("F16") || wte.shape()[1] != D_MODEL) {
            throw new IOException(file + ": not the known model's F16 embedding");
        }
        byte[] rows = new byte[TOKENS * D_MODEL * 2];
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(wte.begin());
            in.readNBytes(rows, 0, rows.length);
        }
        ByteBuffer b = ByteBuffer.wrap(rows).order(ByteOrder.LITTLE_ENDIAN);
        float[][] u = new float[TOKENS][D_TOKEN];
        for (int t = 0; t < TOKENS; t++) {
            for (int k = 0; k < D_MODEL; k++) {
                float x = halfToFloat(b.getShort());
                if (k >= TOKEN && k < TOKEN + D_TOKEN) {
                    u[t][k - TOKEN] = x;
                }
            }
        }
        return u;
    }

    /** Whether {@code dir} is the known SAE: a real folder whose files hash to {@link #SHA256}. */
    static boolean verified(Path dir) {
        return KnownModel.verified(dir, FILES, SHA256);
    }

    /** A half-precision number (IEEE 754 binary16, as the file stores it) as a float, exactly. */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = bits >>> 15;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        double v = exp == 0 ? mant * Math.pow(2, -24) : exp == 31 ? (mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        return (float) (sign == 1 ? -v : v);
    }
}
