package jlens.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * GPT-2's parameters, read from a Hugging Face {@code model.safetensors}. Keys may carry the
 * {@code transformer.} prefix of {@code GPT2LMHeadModel} checkpoints or not; the causal-mask buffers
 * ({@code attn.bias}, {@code attn.masked_bias}) are ignored and an {@code lm_head.weight} is accepted as the
 * tied copy of {@code wte}. Every shape is checked against the config, naming the key when it is wrong.
 *
 * <p>Conv1D weights keep GPT-2's {@code [in, out]} layout, so a layer is {@code x.matMul(w).add(b)}.
 *
 * <p>On the CPU, F32 weights are the file's own pages, mapped. So the public surface hands out copies only
 * ({@link #copy}): the arrays themselves are reached from this package, by the forward pass, which never
 * writes to them. The file is also watched: {@link #checkUnchanged} refuses a pass once it has been rewritten.
 */
public final class Gpt2Weights {
    /** The dtypes {@link Safetensors#load} creates arrays from. */
    private static final java.util.Set<String> LOADABLE = java.util.Set.of("F32", "F16", "BF16");

    /** One transformer block's parameters; shapes in GPT-2's Conv1D layout. */
    record Block(NDArray ln1W, NDArray ln1B, // [C]
                 NDArray attnW, NDArray attnB, // [C, 3C], [3C]
                 NDArray projW, NDArray projB, // [C, C], [C]
                 NDArray ln2W, NDArray ln2B, // [C]
                 NDArray fcW, NDArray fcB, // [C, 4C], [4C]
                 NDArray mlpProjW, NDArray mlpProjB) { // [4C, C], [C]
    }

    private final NDArray wte; // [V, C]
    private final NDArray wpe; // [P, C]
    private final List<Block> blocks;
    private final NDArray lnFW; // [C]
    private final NDArray lnFB; // [C]
    private final Map<String, NDArray> byName; // GPT-2's key names without the prefix
    private final FileStamp stamp; // null for weights the model owns (processed): no file under them
    private final Path file;
    private final NDArray unembed; // [C, V] W_U of its own (processed), or null: tied to wte (W_U = wte^T)
    private final NDArray unembedBias; // [V] b_U, or null: GPT-2 has none
    private final Gpt2Processing processing;

    private Gpt2Weights(NDArray wte, NDArray wpe, List<Block> blocks, NDArray lnFW, NDArray lnFB,
                        Map<String, NDArray> byName, FileStamp stamp, Path file, NDArray unembed, NDArray unembedBias,
                        Gpt2Processing processing) {
        this.wte = wte;
        this.wpe = wpe;
        this.blocks = blocks;
        this.lnFW = lnFW;
        this.lnFB = lnFB;
        this.byName = byName;
        this.stamp = stamp;
        this.file = file;
        this.unembed = unembed;
        this.unembedBias = unembedBias;
        this.processing = processing;
    }

    /**
     * Processed weights (see {@link TlProcessing}): arrays the model owns, an unembedding of their own, nothing read
     * from the file any more.
     */
    static Gpt2Weights processed(Gpt2Weights raw, NDArray wte, NDArray wpe, List<Block> blocks, NDArray lnFW, NDArray lnFB,
                                 NDArray unembed, NDArray unembedBias, Gpt2Processing processing) {
        Map<String, NDArray> byName = new LinkedHashMap<>();
        byName.put("wte.weight", wte);
        byName.put("wpe.weight", wpe);
        for (int l = 0; l < blocks.size(); l++) {
            Block b = blocks.get(l);
            String h = "h." + l + ".";
            byName.put(h + "ln_1.weight", b.ln1W());
            byName.put(h + "ln_1.bias", b.ln1B());
            byName.put(h + "attn.c_attn.weight", b.attnW());
            byName.put(h + "attn.c_attn.bias", b.attnB());
            byName.put(h + "attn.c_proj.weight", b.projW());
            byName.put(h + "attn.c_proj.bias", b.projB());
            byName.put(h + "ln_2.weight", b.ln2W());
            byName.put(h + "ln_2.bias", b.ln2B());
            byName.put(h + "mlp.c_fc.weight", b.fcW());
            byName.put(h + "mlp.c_fc.bias", b.fcB());
            byName.put(h + "mlp.c_proj.weight", b.mlpProjW());
            byName.put(h + "mlp.c_proj.bias", b.mlpProjB());
        }
        byName.put("ln_f.weight", lnFW);
        byName.put("ln_f.bias", lnFB);
        byName.put("unembed.W_U", unembed);
        byName.put("unembed.b_U", unembedBias);
        return new Gpt2Weights(wte, wpe, List.copyOf(blocks), lnFW, lnFB, Collections.unmodifiableMap(byName), null,
                raw.file(), unembed, unembedBias, processing);
    }

    /** Which processing these weights went through ({@link Gpt2Processing#NONE}: the checkpoint's own). */
    public Gpt2Processing processing() {
        return processing;
    }

    /** Frees every array (the file's mappings or owned copies); the weights are unusable after. */
    void close() {
        byName.values().forEach(NDArray::close);
    }

    /** The unembedding {@code [C, V]} when it is an array of its own; null when it is tied to {@code wte}. */
    NDArray unembed() {
        return unembed;
    }

    /** The unembedding bias {@code [V]}, or null when there is none (GPT-2's own weights). */
    NDArray unembedBias() {
        return unembedBias;
    }

    NDArray wte() {
        return wte;
    }

    NDArray wpe() {
        return wpe;
    }

    List<Block> blocks() {
        return blocks;
    }

    NDArray lnFW() {
        return lnFW;
    }

    NDArray lnFB() {
        return lnFB;
    }

    /** The weights file these arrays were read from (or, processed, computed from). */
    public Path file() {
        return file;
    }

    /** Parameter names, as GPT-2 names them without a prefix ({@code wte.weight}, {@code h.0.attn.c_attn.weight}). */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** A parameter's shape, without copying it. */
    public Shape shape(String name) {
        return array(name).getShape();
    }

    /**
     * A copy of one parameter in {@code manager}, free to change: the model's own arrays may be the file's pages,
     * read-only, and the model must never see an edit made for one analysis.
     */
    public NDArray copy(String name, NDManager manager) {
        NDArray copy = array(name).duplicate();
        copy.attach(manager);
        return copy;
    }

    // ---- read-only products for the analyses: each returns a new array, never the model's own ----

    /** The final LayerNorm ({@code ln_f}) of {@code x} {@code [..., C]}, each row with its own mean and variance. */
    public NDArray finalNorm(NDArray x, float eps) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(lnFW.getShape().get(0)), lnFW, lnFB, eps).get(0);
    }

    /**
     * {@code x @ W_U + b_U}: {@code [..., C]} to {@code [..., V]}; GPT-2's own unembedding is tied to {@code wte} and has
     * no bias, processed weights have both of their own.
     */
    public NDArray unembedProduct(NDArray x) {
        return unembedProduct(x, true);
    }

    /**
     * {@code x @ W_U}, with {@code + b_U} when {@code bias}: without it, a direction's logit weights (what a feature's
     * decoder row or a head's output adds to each logit, TransformerLens's and Neuronpedia's {@code W_dec @ W_U}).
     */
    public NDArray unembedProduct(NDArray x, boolean bias) {
        if (unembed != null) {
            NDArray logits = x.matMul(unembed); // [..., V]
            return unembedBias == null || !bias ? logits : logits.addi(unembedBias);
        }
        try (NDArray wteT = wte.transpose()) { // [C, V], a view made in the model's manager: closed here
            return x.matMul(wteT);
        }
    }

    /** {@code W_U[:, id]} {@code [C]} (GPT-2 ties it to {@code wte[id]}), a copy in {@code into}. */
    public NDArray tokenRow(long id, NDManager into) {
        try (NDArray view = unembed != null ? unembed.get(":, {}", id) : wte.get(id)) {
            NDArray row = view.duplicate();
            row.attach(into);
            return row;
        }
    }

    /** {@code b_U[id]}: 0 for GPT-2's own weights, which have no unembedding bias. */
    public double unembedBias(long id) {
        if (unembedBias == null) {
            return 0;
        }
        try (NDArray v = unembedBias.get(id); NDArray f = v.toType(DataType.FLOAT32, true)) {
            return f.getFloat();
        }
    }

    /** The positional embeddings of {@code positions} (any shape of ids): {@code [..., C]}, gathered (a copy). */
    public NDArray positionRows(NDArray positions) {
        return wpe.get(positions.getManager(), new ai.djl.ndarray.index.NDIndex("{}", positions)); // a gather copies
    }

    /**
     * Each head's output written into the residual stream: {@code z} {@code [NH, HS]} of layer {@code layer}
     * through that head's rows of {@code c_proj.weight}, giving {@code [NH, C]} (bias not included).
     */
    public NDArray headOutputs(int layer, NDArray z) {
        long nHead = z.getShape().get(0);
        NDArray wo = blocks.get(layer).projW().reshape(nHead, -1, lnFW.getShape().get(0)); // [NH, HS, C], a view
        try {
            return z.reshape(nHead, 1, -1).matMul(wo).reshape(nHead, -1); // [NH, C]
        } finally {
            wo.close();
        }
    }

    /**
     * The columns of layer {@code layer}'s {@code c_attn.weight} that make the queries ({@code part} 0), keys (1) or
     * values (2): {@code [C, C]}, head h's in columns {@code h*HS..(h+1)*HS-1}; a copy in {@code into}.
     */
    public NDArray attnColumns(int layer, int part, NDManager into) {
        long c = lnFW.getShape().get(0);
        NDArray copy = blocks.get(layer).attnW().get(into, new ai.djl.ndarray.index.NDIndex(":, {}:{}", part * c, (part + 1) * c)).duplicate();
        copy.attach(into);
        return copy;
    }

    /** {@code c_proj.bias} of layer {@code layer}'s attention {@code [C]}, a copy in {@code into}. */
    public NDArray attnOutBias(int layer, NDManager into) {
        NDArray b = blocks.get(layer).projB().duplicate();
        b.attach(into);
        return b;
    }

    /** {@code ln_f.weight} and {@code ln_f.bias} as Java arrays. */
    public float[] finalNormWeight() {
        return lnFW.toFloatArray();
    }

    public float[] finalNormBias() {
        return lnFB.toFloatArray();
    }

    private NDArray array(String name) {
        NDArray a = byName.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; names() lists them (e.g. wte.weight)");
        }
        return a;
    }

    /**
     * Throws {@link WeightsChangedException} when the weights file is no longer the one that was loaded. Called
     * before each pass: a file cut short under a mapping makes the next read of a lost page a SIGBUS, which
     * kills the JVM; a file rewritten in place with the same size silently mixes old and new weights.
     *
     * <p>What remains: a file rewritten after this check, during the pass it guards. Closing that window takes
     * holding the file still (a private copy, in memory or on disk, or a lease the writer must respect, which
     * Java cannot take), and costs as much as the weights. A training script saving over the file while a pass
     * of a few hundred milliseconds runs is rare; before this check every later pass crashed.
     */
    public void checkUnchanged() {
        if (stamp != null) {
            stamp.check();
        }
    }

    /**
     * Loads every tensor into {@code manager}. On CPU with F32 files the arrays are zero-copy views of the
     * memory-mapped file; other dtypes are converted to {@code computeType}, and other devices get a copy.
     * Every check (dtype, names, shapes, memory) is made before the first tensor is created.
     */
    public static Gpt2Weights load(Path file, Gpt2Config config, NDManager manager, Device device, DataType computeType) {
        if (computeType != DataType.FLOAT32 && computeType != DataType.FLOAT16) {
            // DJL 0.36's PyTorch binding maps no other float type: a bfloat16 array aborts the whole process.
            throw new ModelLoadException(file + ": jlens computes in f32 or f16, not " + computeType
                    + " (the engine's Java binding has no bfloat16); BF16 files load as f32");
        }
        FileStamp stamp = FileStamp.of(file);
        Safetensors st = Safetensors.open(file);
        String prefix = detectPrefix(st);
        Loader loader = new Loader(st, prefix, manager, device, computeType, new LinkedHashMap<>());
        List<Planned> plan = plan(config);
        for (Planned p : plan) {
            loader.check(p.key(), p.shape());
        }
        checkExtraLayers(st, prefix, config, file);
        int c = config.nEmbd();
        int v = config.vocabSize();
        Safetensors.TensorInfo head = st.tensors().get("lm_head.weight");
        if (head != null && !Arrays.equals(head.shape(), new long[] {v, c})) {
            throw new ModelLoadException(file + ": tensor 'lm_head.weight' has shape " + new Shape(head.shape())
                    + ", expected " + new Shape(v, c) + " (the tied copy of wte)");
        }
        boolean zeroCopy = device.equals(Device.cpu()) && computeType == DataType.FLOAT32
                && plan.stream().allMatch(p -> st.tensors().get(prefix + p.key()).dtype().equals("F32"));
        if (!zeroCopy) {
            config.checkFitsInMemory(file, computeType.getNumOfBytes());
        }
        NDArray wte = loader.get("wte.weight");
        NDArray wpe = loader.get("wpe.weight");
        List<Block> blocks = new ArrayList<>();
        for (int l = 0; l < config.nLayer(); l++) {
            String h = "h." + l + ".";
            blocks.add(new Block(
                    loader.get(h + "ln_1.weight"), loader.get(h + "ln_1.bias"),
                    loader.get(h + "attn.c_attn.weight"), loader.get(h + "attn.c_attn.bias"),
                    loader.get(h + "attn.c_proj.weight"), loader.get(h + "attn.c_proj.bias"),
                    loader.get(h + "ln_2.weight"), loader.get(h + "ln_2.bias"),
                    loader.get(h + "mlp.c_fc.weight"), loader.get(h + "mlp.c_fc.bias"),
                    loader.get(h + "mlp.c_proj.weight"), loader.get(h + "mlp.c_proj.bias")));
        }
        NDArray lnFW = loader.get("ln_f.weight");
        NDArray lnFB = loader.get("ln_f.bias");
        if (!FileStamp.of(file).equals(stamp)) {
            throw new WeightsChangedException(file + ": changed on disk while it was being loaded; load it again");
        }
        return new Gpt2Weights(wte, wpe, List.copyOf(blocks), lnFW, lnFB,
                Collections.unmodifiableMap(loader.loaded()), stamp, file, null, null, Gpt2Processing.NONE);
    }

    /** A tensor the config calls for, with its shape. */
    private record Planned(String key, long[] shape) {}

    private static List<Planned> plan(Gpt2Config config) {
        long c = config.nEmbd();
        List<Planned> out = new ArrayList<>();
        out.add(new Planned("wte.weight", new long[] {config.vocabSize(), c}));
        out.add(new Planned("wpe.weight", new long[] {config.nPositions(), c}));
        for (int l = 0; l < config.nLayer(); l++) {
            String h = "h." + l + ".";
            out.add(new Planned(h + "ln_1.weight", new long[] {c}));
            out.add(new Planned(h + "ln_1.bias", new long[] {c}));
            out.add(new Planned(h + "attn.c_attn.weight", new long[] {c, 3 * c}));
            out.add(new Planned(h + "attn.c_attn.bias", new long[] {3 * c}));
            out.add(new Planned(h + "attn.c_proj.weight", new long[] {c, c}));
            out.add(new Planned(h + "attn.c_proj.bias", new long[] {c}));
            out.add(new Planned(h + "ln_2.weight", new long[] {c}));
            out.add(new Planned(h + "ln_2.bias", new long[] {c}));
            out.add(new Planned(h + "mlp.c_fc.weight", new long[] {c, 4 * c}));
            out.add(new Planned(h + "mlp.c_fc.bias", new long[] {4 * c}));
            out.add(new Planned(h + "mlp.c_proj.weight", new long[] {4 * c, c}));
            out.add(new Planned(h + "mlp.c_proj.bias", new long[] {c}));
        }
        out.add(new Planned("ln_f.weight", new long[] {c}));
        out.add(new Planned("ln_f.bias", new long[] {c}));
        return out;
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
                throw new ModelLoadException(file + ": tensor " + Safetensors.quote(key) + " belongs to a layer beyond n_layer "
                        + config.nLayer() + " in config.json (config and weights do not match)");
            }
        }
    }

    private record Loader(Safetensors st, String prefix, NDManager manager, Device device, DataType computeType,
                          Map<String, NDArray> loaded) {
        void check(String key, long[] expected) {
            String full = prefix + key;
            Safetensors.TensorInfo info = st.tensors().get(full);
            if (info == null) {
                throw new ModelLoadException(st.file() + ": missing tensor '" + full + "'");
            }
            if (!Arrays.equals(info.shape(), expected)) {
                throw new ModelLoadException(st.file() + ": tensor '" + full + "' has shape " + new Shape(info.shape())
                        + ", expected " + new Shape(expected) + " from config.json");
            }
            if (!LOADABLE.contains(info.dtype())) {
                throw new ModelLoadException(st.file() + ": tensor '" + full + "' has unsupported dtype " + info.dtype()
                        + " (jlens reads F32, F16 and BF16)");
            }
        }

        NDArray get(String key) {
            NDArray out = st.load(manager, prefix + key);
            if (!device.equals(out.getDevice())) {
                out = replace(out, out.toDevice(device, true));
            }
            if (out.getDataType() != computeType) {
                out = replace(out, out.toType(computeType, true));
            }
            loaded.put(key, out);
            return out;
        }

        /** Frees a staging array (the file mapping or a host copy) once its converted copy exists. */
        private static NDArray replace(NDArray old, NDArray converted) {
            old.close();
            return converted;
        }
    }


    /**
     * What identifies a file's contents without reading them: its inode (file key), size and modification time.
     * A rewrite in place changes the time (and usually the size); a replacement by rename changes the inode.
     */
    private record FileStamp(Path file, Object key, long size, FileTime modified) {
        static FileStamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(file, a.fileKey(), a.size(), a.lastModifiedTime());
            } catch (NoSuchFileException e) {
                return new FileStamp(file, null, -1, null);
            } catch (IOException e) {
                throw new ModelLoadException(file + ": cannot read its attributes: " + e.getMessage(), e);
            }
        }

        void check() {
            FileStamp now = of(file);
            if (now.equals(this)) {
                return;
            }
            String what = now.size() < 0 ? "was deleted"
                    : !Objects.equals(now.key(), key) ? "was replaced"
                    : now.size() != size ? "changed size (" + size + " to " + now.size() + " bytes)"
                    : "was rewritten";
            throw new WeightsChangedException(file + " " + what + " since the model was loaded; load the model again"
                    + " (jlens reads the weights from the file as it runs)");
        }
    }
}
