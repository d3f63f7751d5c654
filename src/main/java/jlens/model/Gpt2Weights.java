package jlens.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * GPT-2's parameters, read from a Hugging Face {@code model.safetensors}. Keys may carry the
 * {@code transformer.} prefix of {@code GPT2LMHeadModel} checkpoints or not; the causal-mask buffers
 * ({@code attn.bias}, {@code attn.masked_bias}) are ignored and an {@code lm_head.weight} is accepted as the
 * tied copy of {@code wte}. Every shape is checked against the config, naming the key when it is wrong.
 *
 * <p>Conv1D weights keep GPT-2's {@code [in, out]} layout, so a layer is {@code x.matMul(w).add(b)}.
 */
public record Gpt2Weights(NDArray wte, NDArray wpe, List<Block> blocks, NDArray lnFW, NDArray lnFB) {

    /** One transformer block's parameters; shapes in GPT-2's Conv1D layout. */
    public record Block(NDArray ln1W, NDArray ln1B, // [C]
                        NDArray attnW, NDArray attnB, // [C, 3C], [3C]
                        NDArray projW, NDArray projB, // [C, C], [C]
                        NDArray ln2W, NDArray ln2B, // [C]
                        NDArray fcW, NDArray fcB, // [C, 4C], [4C]
                        NDArray mlpProjW, NDArray mlpProjB) { // [4C, C], [C]
    }

    /**
     * Loads every tensor into {@code manager}. On CPU with F32 files the arrays are zero-copy views of the
     * memory-mapped file; other dtypes are converted to {@code computeType}, and other devices get a copy.
     */
    public static Gpt2Weights load(Path file, Gpt2Config config, NDManager manager, Device device, DataType computeType) {
        Safetensors st = Safetensors.open(file);
        String prefix = detectPrefix(st);
        Loader loader = new Loader(st, prefix, manager, device, computeType);
        int c = config.nEmbd();
        int v = config.vocabSize();
        NDArray wte = loader.get("wte.weight", v, c);
        NDArray wpe = loader.get("wpe.weight", config.nPositions(), c);
        List<Block> blocks = new ArrayList<>(config.nLayer());
        for (int l = 0; l < config.nLayer(); l++) {
            String h = "h." + l + ".";
            blocks.add(new Block(
                    loader.get(h + "ln_1.weight", c), loader.get(h + "ln_1.bias", c),
                    loader.get(h + "attn.c_attn.weight", c, 3L * c), loader.get(h + "attn.c_attn.bias", 3L * c),
                    loader.get(h + "attn.c_proj.weight", c, c), loader.get(h + "attn.c_proj.bias", c),
                    loader.get(h + "ln_2.weight", c), loader.get(h + "ln_2.bias", c),
                    loader.get(h + "mlp.c_fc.weight", c, 4L * c), loader.get(h + "mlp.c_fc.bias", 4L * c),
                    loader.get(h + "mlp.c_proj.weight", 4L * c, c), loader.get(h + "mlp.c_proj.bias", c)));
        }
        NDArray lnFW = loader.get("ln_f.weight", c);
        NDArray lnFB = loader.get("ln_f.bias", c);
        checkExtraLayers(st, prefix, config, file);
        Safetensors.TensorInfo head = st.tensors().get("lm_head.weight");
        if (head != null && !Arrays.equals(head.shape(), new long[] {v, c})) {
            throw new ModelLoadException(file + ": tensor 'lm_head.weight' has shape " + new Shape(head.shape())
                    + ", expected " + new Shape(v, c) + " (the tied copy of wte)");
        }
        return new Gpt2Weights(wte, wpe, List.copyOf(blocks), lnFW, lnFB);
    }

    private static String detectPrefix(Safetensors st) {
        if (st.tensors().containsKey("wte.weight")) {
            return "";
        }
        if (st.tensors().containsKey("transformer.wte.weight")) {
            return "transformer.";
        }
        throw new ModelLoadException(st.file() + ": missing tensor 'wte.weight' (is this a GPT-2 checkpoint?)");
    }

    /** A checkpoint with more layers than the config says is a config that contradicts the weights. */
    private static void checkExtraLayers(Safetensors st, String prefix, Gpt2Config config, Path file) {
        String extra = prefix + "h." + config.nLayer() + ".";
        for (String key : st.tensors().keySet()) {
            if (key.startsWith(extra)) {
                throw new ModelLoadException(file + ": tensor '" + key + "' belongs to a layer beyond n_layer "
                        + config.nLayer() + " in config.json (config and weights do not match)");
            }
        }
    }

    private record Loader(Safetensors st, String prefix, NDManager manager, Device device, DataType computeType) {
        NDArray get(String key, long... expected) {
            String full = prefix + key;
            Safetensors.TensorInfo info = st.tensors().get(full);
            if (info == null) {
                throw new ModelLoadException(st.file() + ": missing tensor '" + full + "'");
            }
            if (!Arrays.equals(info.shape(), expected)) {
                throw new ModelLoadException(st.file() + ": tensor '" + full + "' has shape " + new Shape(info.shape())
                        + ", expected " + new Shape(expected) + " from config.json");
            }
            NDArray out = st.load(manager, full);
            if (!device.equals(out.getDevice())) {
                out = replace(out, out.toDevice(device, true));
            }
            if (out.getDataType() != computeType) {
                out = replace(out, out.toType(computeType, true));
            }
            return out;
        }

        /** Frees a staging array (the file mapping or a host copy) once its converted copy exists. */
        private static NDArray replace(NDArray old, NDArray converted) {
            old.close();
            return converted;
        }
    }
}
