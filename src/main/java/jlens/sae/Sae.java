package jlens.sae;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Arrays;
import jlens.hook.HookPoint;
import jlens.model.Gpt2Config;

/**
 * A sparse autoencoder as SAELens runs it for inference, its weights float32 arrays of its own (copied from the file,
 * never its pages). Shapes: N rows (positions), D the width it reads (d_in), F the features (d_sae).
 *
 * <pre>
 *   x_n   = normalise(x)                      (none, constant_norm_rescale, layer_norm; expected_average_only_in is
 *                                              folded into the weights at load)
 *   pre   = (x_n - b_dec if apply_b_dec_to_input) @ W_enc + b_enc
 *   acts  = standard: ReLU(pre); jumprelu: ReLU(pre) where pre > threshold; topk: the k largest, ReLU, the rest 0;
 *           gated: (pre_gate > 0) * ReLU(pre_mag)
 *   recon = denormalise(acts @ W_dec + b_dec)
 * </pre>
 *
 * A hook_z SAE reads z flattened to {@code [.., NH*HS]} ({@code reshape_activations hook_z}) or one head's z
 * ({@code hook_head_index}); {@link #input} and {@link #output} take a hook's activation to the SAE's rows and back.
 */
public final class Sae implements AutoCloseable {
    private final String name;
    private final Path dir;
    private final SaeConfig config;
    private final NDManager manager;
    private final NDArray wEnc; // [D, F]
    private final NDArray bEnc; // [F], or b_gate for a gated SAE
    private final NDArray wMag; // [D, F] gated: W_enc * exp(r_mag); else null
    private final NDArray bMag; // [F] gated; else null
    private final NDArray wDec; // [F, D]
    private final NDArray bDec; // [D]
    private final NDArray threshold; // [F] jumprelu and batchtopk; else null
    private final NDArray decNorm; // [F] topk with rescale_acts_by_decoder_norm; else null

    Sae(String name, Path dir, SaeConfig config, NDManager manager, NDArray wEnc, NDArray bEnc, NDArray wMag, NDArray bMag,
        NDArray wDec, NDArray bDec, NDArray threshold, NDArray decNorm) {
        this.name = name;
        this.dir = dir;
        this.config = config;
        this.manager = manager;
        this.wEnc = wEnc;
        this.bEnc = bEnc;
        this.wMag = wMag;
        this.bMag = bMag;
        this.wDec = wDec;
        this.bDec = bDec;
        this.threshold = threshold;
        this.decNorm = decNorm;
    }

    /**
     * Reads a SAELens folder ({@code cfg.json}, {@code sae_weights.safetensors}) onto {@code device}.
     *
     * @param name how to name it ({@code relu-pre6}, a hub path)
     * @param normScale expected_average_only_in's factor when given by the user, else NaN
     * @throws SaeLoadException naming the file and the field
     */
    public static Sae load(Path dir, String name, Device device, double normScale) {
        return SaeFolder.read(dir, name, device, normScale);
    }

    /** An SAE from arrays given in Java (tests, the bench): float32 {@code W_enc [D, F]}, {@code W_dec [F, D]} and so on. */
    public static Sae of(String name, SaeConfig config, Device device, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec,
                         float[] threshold) {
        NDManager m = Engine.getEngine("PyTorch").newBaseManager(device);
        try {
            int d = config.dIn();
            int f = config.dSae();
            NDArray t = threshold == null ? null : m.create(threshold, new Shape(f));
            NDArray dec = m.create(wDec, new Shape(f, d));
            NDArray norm = config.architecture() == SaeConfig.Architecture.TOPK && config.rescaleActsByDecoderNorm()
                    ? dec.norm(new int[] {1}) : null;
            return new Sae(name, null, config, m, m.create(wEnc, new Shape(d, f)), m.create(bEnc, new Shape(f)), null, null,
                    dec, m.create(bDec, new Shape(d)), t, norm);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** The folder it was read from, or null when it was made in Java. */
    public Path dir() {
        return dir;
    }

    public SaeConfig config() {
        return config;
    }

    public int dIn() {
        return config.dIn();
    }

    public int dSae() {
        return config.dSae();
    }

    public String hook() {
        return config.hookName();
    }

    public Device device() {
        return manager.getDevice();
    }

    /** Features and what decoding needs to undo the input's normalisation (null arrays when there is none). */
    public record Encoded(NDArray acts, NDArray scale, NDArray shift) {}

    /** The features of rows {@code x} {@code [N, D]} (float32): {@code [N, F]}, in {@code x}'s manager. */
    public Encoded encode(NDArray x) {
        NDArray scale = null;
        NDArray shift = null;
        NDArray in = x; // [N, D]
        if (config.normalize() == SaeConfig.Normalization.CONSTANT_NORM_RESCALE) {
            scale = x.norm(new int[] {1}, true).pow(-1).muli((float) Math.sqrt(config.dIn())); // [N, 1], sqrt(D)/|x|
            in = x.mul(scale); // [N, D]
        } else if (config.normalize() == SaeConfig.Normalization.LAYER_NORM) {
            shift = x.mean(new int[] {1}, true); // [N, 1], mu
            NDArray centred = x.sub(shift); // [N, D]
            NDArray std = centred.square().sum(new int[] {1}, true).divi(Math.max(1, config.dIn() - 1)).sqrt(); // [N, 1], unbiased
            scale = std; // out = out * std + mu
            in = centred.div(std.add(1e-5f)); // [N, D]
        }
        NDArray saeIn = config.applyBDecToInput() ? in.sub(bDec) : in; // [N, D]
        NDArray pre = saeIn.matMul(wEnc).addi(bEnc); // [N, F] (the gate's pre-activation for a gated SAE)
        NDArray acts = switch (config.architecture()) {
            case STANDARD -> pre.maximum(0f); // [N, F]
            case JUMPRELU, BATCHTOPK -> NDArrays.where(pre.gt(threshold), pre.maximum(0f), pre.zerosLike()); // [N, F]
            case TOPK -> topK(decNorm == null ? pre : pre.mul(decNorm)); // [N, F]
            case GATED -> NDArrays.where(pre.gt(0f), saeIn.matMul(wMag).addi(bMag).maximum(0f), pre.zerosLike()); // [N, F]
        };
        return new Encoded(acts, scale, shift);
    }

    /** The k largest of each row, ReLU'd, the rest 0 (SAELens's TopK: exactly k kept, ties as torch.topk breaks them). */
    private NDArray topK(NDArray pre) {
        NDList top = pre.topK(config.k(), 1, true, false); // values, indices [N, k]
        return pre.zerosLike().scatter(top.get(1), top.get(0).maximum(0f), 1); // [N, F]
    }

    /** The reconstruction of {@code e}'s input from features {@code acts} {@code [N, F]}: {@code [N, D]}. */
    public NDArray decode(NDArray acts, Encoded e) {
        NDArray a = decNorm == null ? acts : acts.div(decNorm); // [N, F]
        NDArray out = a.matMul(wDec).addi(bDec); // [N, D]
        if (config.normalize() == SaeConfig.Normalization.CONSTANT_NORM_RESCALE) {
            out = out.div(e.scale()); // [N, D]
        } else if (config.normalize() == SaeConfig.Normalization.LAYER_NORM) {
            out = out.mul(e.scale()).addi(e.shift()); // [N, D]
        }
        return out;
    }

    /** The reconstruction of its own input. */
    public NDArray decode(Encoded e) {
        return decode(e.acts(), e);
    }

    /**
     * The rows the SAE reads from a hook's activation {@code [B, W, ...]}: {@code [B*W, D]} float32 (one head's z with
     * {@code hook_head_index}, z flattened with {@code reshape_activations hook_z}, else the activation as it is).
     */
    public NDArray input(NDArray activation) {
        NDArray a = activation.getDataType() == DataType.FLOAT32 ? activation : activation.toType(DataType.FLOAT32, false);
        Shape s = a.getShape();
        NDArray picked = config.hookHeadIndex() >= 0
                ? a.get(new NDIndex(":, :, {}, :", config.hookHeadIndex())) // [B, W, HS]
                : a; // [B, W, ...]
        return picked.reshape(s.get(0) * s.get(1), config.dIn()); // [B*W, D]
    }

    /** {@code rows} {@code [B*W, D]} put back where {@link #input} took them from {@code activation}: its shape and dtype. */
    public NDArray output(NDArray activation, NDArray rows) {
        Shape s = activation.getShape();
        NDArray out;
        if (config.hookHeadIndex() >= 0) {
            int h = config.hookHeadIndex();
            NDArray head = rows.reshape(s.get(0), s.get(1), 1, s.get(3)); // [B, W, 1, HS]
            NDArray a = activation.toType(DataType.FLOAT32, false);
            NDList parts = new NDList();
            if (h > 0) {
                parts.add(a.get(new NDIndex(":, :, :{}, :", h)));
            }
            parts.add(head);
            if (h + 1 < s.get(2)) {
                parts.add(a.get(new NDIndex(":, :, {}:, :", h + 1)));
            }
            out = NDArrays.concat(parts, 2); // [B, W, NH, HS]
        } else {
            out = rows.reshape(s); // [B, W, ...]
        }
        return out.getDataType() == activation.getDataType() ? out : out.toType(activation.getDataType(), false);
    }

    /** Decoder row {@code f} {@code [D]} as Java floats. */
    public float[] decoderRow(int f) {
        checkFeature(f);
        try (NDArray row = wDec.get(f)) {
            return row.toFloatArray();
        }
    }

    /** Decoder rows {@code features} {@code [n, D]} copied into {@code into}. */
    public NDArray decoderRows(int[] features, NDManager into) {
        for (int f : features) {
            checkFeature(f);
        }
        NDArray idx = into.create(Arrays.stream(features).asLongStream().toArray());
        NDArray rows = wDec.get(into, new NDIndex("{}", idx)); // a gather copies
        return rows;
    }

    /** {@code b_dec} {@code [D]} as Java floats. */
    public float[] decoderBias() {
        return bDec.toFloatArray();
    }

    /** Why this SAE cannot run on a model of {@code model}'s sizes (its hook, its d_in), in words; null when it can. */
    public String widthProblem(Gpt2Config model) {
        return widthProblem(config, model);
    }

    /** The width the hook point gives per position for this SAE's reading, or a reason it cannot read it. */
    static String widthProblem(SaeConfig c, Gpt2Config model) {
        String hook = c.hookName();
        if (!HookPoint.all(model.nLayer()).contains(hook)) {
            return "its hook " + SaeText.quote(hook) + " is not a hook point of this model (" + model.nLayer() + " layers)";
        }
        if (hook.equals(HookPoint.LN_FINAL) || hook.equals(HookPoint.LOGITS)) {
            return "its hook " + hook + " is after the last block; jlens runs SAEs at block hook points and the embeddings";
        }
        int headAxis = HookPoint.headAxis(hook);
        if (headAxis == 1) {
            return "its hook " + hook + " holds attention scores or a pattern [B, NH, T, T], not one vector per position";
        }
        long[] shape = HookPoint.shape(hook, 1, 1, model.nHead(), model.nEmbd(), model.vocabSize());
        long width;
        if (headAxis == 2) {
            if (c.hookHeadIndex() >= 0) {
                if (c.hookHeadIndex() >= model.nHead()) {
                    return "its hook_head_index " + c.hookHeadIndex() + " is past the model's heads 0.." + (model.nHead() - 1);
                }
                width = shape[3];
            } else if (c.reshapeHookZ() || !hook.endsWith("hook_z")) {
                width = shape[2] * shape[3];
            } else {
                return "its hook " + hook + " is per head; it needs reshape_activations hook_z or a hook_head_index";
            }
        } else {
            if (c.hookHeadIndex() >= 0) {
                return "it names hook_head_index " + c.hookHeadIndex() + " at " + hook + ", which has no heads";
            }
            width = Arrays.stream(shape).skip(2).reduce(1, (a, b) -> a * b);
        }
        if (width != c.dIn()) {
            return "its d_in is " + c.dIn() + " but " + hook + (c.hookHeadIndex() >= 0 ? " head " + c.hookHeadIndex() : "")
                    + " gives " + width + " values per position on this model";
        }
        return null;
    }

    private void checkFeature(int f) {
        if (f < 0 || f >= config.dSae()) {
            throw new IllegalArgumentException("feature " + f + " is out of range: " + name + " has features 0.."
                    + (config.dSae() - 1));
        }
    }

    /** One line: {@code relu-pre6: standard at blocks.2.hook_resid_pre, 96 features of 32}. */
    public String describe() {
        return name + ": " + config.describe();
    }

    @Override
    public void close() {
        manager.close();
    }
}
