package jlens.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;

/**
 * GPT-2 on DJL NDArrays with TransformerLens hook points.
 *
 * <p>Shape vocabulary: B batch, T positions in this pass, P positions before them (a key/value prefix),
 * C d_model, NH heads, HS d_head (C / NH), V vocabulary, L layers.
 *
 * <p>The weights live in the model's manager and are never modified (they may be read-only file mappings).
 * Each forward pass runs in its own sub-manager and hands back only what it returns.
 *
 * <p>The pass reads top to bottom: {@link #forward} is {@link #embed}, then {@link #block} per layer, then
 * {@link #unembed}; those three are public so that callers can run a pass step by step (a sweep that restarts
 * at layer l, generation with a KV cache through {@link KvPrefix}). {@link BlockWithRider} is the sweeps'
 * batching of two sequences through one block; {@code Dense} holds the CPU-tuned matrix product.
 */
public final class Gpt2 implements AutoCloseable {
    /**
     * Options for {@link #load}: where the weights live, the dtype the pass computes in, and which processing the
     * weights go through ({@link Gpt2Processing#NONE}, the checkpoint's own, unless asked).
     */
    public record LoadOptions(Device device, DataType dtype, Gpt2Processing processing) {
        public LoadOptions {
            java.util.Objects.requireNonNull(processing);
        }

        /** Unprocessed weights. */
        public LoadOptions(Device device, DataType dtype) {
            this(device, dtype, Gpt2Processing.NONE);
        }

        public static LoadOptions cpu() {
            return new LoadOptions(Device.cpu(), DataType.FLOAT32);
        }

        /** The same options with {@code p}'s weight processing. */
        public LoadOptions withProcessing(Gpt2Processing p) {
            return new LoadOptions(device, dtype, p);
        }

        /**
         * Options from the command line's words: device {@code auto} (a GPU when DJL's engine sees one, else the
         * CPU), {@code cpu}, {@code gpu} or {@code gpu:N}; dtype {@code f32} (default), or {@code f16}
         * (GPU only: half precision on the CPU is slow and inexact in PyTorch's kernels).
         */
        public static LoadOptions parse(String device, String dtype) {
            String d = device == null ? "auto" : device.trim().toLowerCase(java.util.Locale.ROOT);
            int gpus = Engine.getEngine("PyTorch").getGpuCount();
            Device chosen = switch (d) {
                case "auto" -> gpus > 0 ? Device.gpu() : Device.cpu();
                case "cpu" -> Device.cpu();
                default -> {
                    if (!d.matches("gpu(:\\d+)?|cuda(:\\d+)?")) {
                        throw new IllegalArgumentException("unknown device '" + device + "'; use cpu, gpu, gpu:N or auto");
                    }
                    int index = d.contains(":") ? Integer.parseInt(d.substring(d.indexOf(':') + 1)) : 0;
                    if (gpus == 0) {
                        throw new IllegalArgumentException("no usable GPU: the PyTorch engine sees none (CPU-only natives"
                                + " or no CUDA driver); see README 'GPU' for CUDA natives, or use --device cpu");
                    }
                    if (index >= gpus) {
                        throw new IllegalArgumentException("GPU " + index + " does not exist; the engine sees " + gpus
                                + " (gpu:0..gpu:" + (gpus - 1) + ")");
                    }
                    yield Device.gpu(index);
                }
            };
            String t = dtype == null ? "f32" : dtype.trim().toLowerCase(java.util.Locale.ROOT);
            DataType type = switch (t) {
                case "f32", "float32", "fp32" -> DataType.FLOAT32;
                case "f16", "float16", "fp16", "half" -> DataType.FLOAT16;
                case "bf16", "bfloat16" -> throw new IllegalArgumentException("dtype bf16 is not available: DJL's PyTorch"
                        + " binding has no bfloat16 (BF16 checkpoints load as f32, or f16 on a GPU)");
                default -> throw new IllegalArgumentException("unknown dtype '" + dtype + "'; use f32 or f16");
            };
            if (type != DataType.FLOAT32 && !chosen.isGpu()) {
                throw new IllegalArgumentException("dtype " + t + " needs a GPU; on the CPU jlens computes in f32");
            }
            return new LoadOptions(chosen, type);
        }
    }

    private final Path dir;
    private final Gpt2Config config;
    private final Gpt2Tokenizer tokenizer;
    private final NDManager manager;
    private final Gpt2Weights w;
    private final Hooks hooks;
    private final BlockSites[] sites; // [L], the hook names of each block, made once

    private final NDArray wteT; // [C, V]: a transposed view of wte for the tied unembedding, or W_U of its own (processed)
    private final NDArray unembedBias; // [V] b_U (processed weights), or null
    private final NDArray causalMask; // [P_max, P_max], 0 on and below the diagonal, -inf above
    private final NDArray attnScale; // 0-d 1/sqrt(HS): scalar ops allocate, so constants are made once
    private final NDArray geluCubic; // 0-d 0.044715
    private final NDArray geluTwoRootTwoOverPi; // 0-d 2*sqrt(2/pi)
    private volatile long captureBudgetBytes = defaultCaptureBudget();

    private Gpt2(Path dir, Gpt2Config config, Gpt2Tokenizer tokenizer, NDManager manager, Gpt2Weights w) {
        this.dir = dir;
        this.config = config;
        this.tokenizer = tokenizer;
        this.manager = manager;
        this.w = w;
        this.hooks = new Hooks(HookPoint.all(config.nLayer()), config.nLayer());
        this.sites = new BlockSites[config.nLayer()];
        for (int l = 0; l < config.nLayer(); l++) {
            sites[l] = BlockSites.of(l);
        }
        this.wteT = w.unembed() != null ? w.unembed() : w.wte().transpose();
        this.unembedBias = w.unembedBias();
        DataType t = w.wte().getDataType();
        int n = config.nPositions();
        float[] mask = new float[n * n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(mask, i * n + i + 1, (i + 1) * n, Float.NEGATIVE_INFINITY);
        }
        this.causalMask = manager.create(mask, new Shape(n, n)).toType(t, false);
        this.attnScale = scalar(1.0 / Math.sqrt(config.dHead()), t);
        this.geluCubic = scalar(0.044715, t);
        this.geluTwoRootTwoOverPi = scalar(2.0 * Math.sqrt(2.0 / Math.PI), t);
    }

    /**
     * Captured activations live in native memory, next to the weights; 4 GiB keeps a capture of a large model's
     * every hook point on a long text from exhausting a workstation, while any single-layer capture fits.
     */
    private static long defaultCaptureBudget() {
        return 4L << 30;
    }

    private NDArray scalar(double value, DataType t) {
        return manager.create((float) value).toType(t, false);
    }

    /** Loads a Hugging Face GPT-2 folder ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json}). */
    public static Gpt2 load(Path dir) {
        return load(dir, LoadOptions.cpu());
    }

    public static Gpt2 load(Path dir, LoadOptions options) {
        NativeSettings.apply(); // before the engine makes its first oneDNN primitive or buffer
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir + ": not a folder (a GPT-2 model folder holds config.json, model.safetensors and tokenizer.json)");
        }
        Gpt2Config config = Gpt2Config.read(dir.resolve("config.json"));
        Path weightsFile = dir.resolve("model.safetensors");
        if (!Files.isRegularFile(weightsFile)) {
            throw new ModelLoadException(weightsFile + ": file not found (jlens loads safetensors weights only, never pickles)");
        }
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(dir, config.nPositions());
        NDManager manager = null;
        try {
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new ModelLoadException(dir.resolve("tokenizer.json") + ": the tokenizer has " + tokenizer.vocabSize()
                        + " tokens but config.json says vocab_size " + config.vocabSize() + " (they do not belong together)");
            }
            manager = Engine.getEngine("PyTorch").newBaseManager(options.device());
            Gpt2Weights weights = Gpt2Weights.load(weightsFile, config, manager, options.device(), options.dtype());
            if (options.processing() == Gpt2Processing.TL) {
                Gpt2Weights raw = weights;
                weights = TlProcessing.apply(raw, config, manager);
                raw.close(); // the file's mappings (or staging copies): the model runs on the processed arrays only
            }
            return new Gpt2(dir, config, tokenizer, manager, weights);
        } catch (RuntimeException e) {
            tokenizer.close();
            if (manager != null) {
                manager.close();
            }
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    /** Which weights the model runs: the checkpoint's own, or TransformerLens's processing of them. */
    public Gpt2Processing processing() {
        return w.processing();
    }

    /**
     * A new model on this one's weights processed by {@code p} (its own arrays, on the same device and dtype, and its own
     * tokenizer read again from {@link #dir()}); this model is unchanged and stays the caller's to close.
     *
     * @throws IllegalArgumentException when this model is already processed
     */
    public Gpt2 processed(Gpt2Processing p) {
        if (p == Gpt2Processing.NONE || processing() != Gpt2Processing.NONE) {
            throw new IllegalArgumentException("the model runs " + processing().describe() + "; processing is applied once,"
                    + " to the checkpoint's own weights (load it again with --process " + p.word() + ")");
        }
        NDManager m = Engine.getEngine("PyTorch").newBaseManager(device());
        Gpt2Tokenizer t = null;
        try {
            t = Gpt2Tokenizer.load(dir, config.nPositions());
            return new Gpt2(dir, config, t, m, TlProcessing.apply(w, config, m));
        } catch (RuntimeException e) {
            if (t != null) {
                t.close();
            }
            m.close();
            throw e;
        }
    }

    public Gpt2Config config() {
        return config;
    }

    public Gpt2Tokenizer tokenizer() {
        return tokenizer;
    }

    public Device device() {
        return manager.getDevice();
    }

    public DataType dtype() {
        return w.wte().getDataType();
    }

    /** The model's manager (owns the weights). Attach nothing long-lived to it. */
    public NDManager manager() {
        return manager;
    }

    /** The registry of hooks every forward pass runs. */
    public Hooks hooks() {
        return hooks;
    }

    /** The weights, for analyses that need them (read-only). */
    public Gpt2Weights weights() {
        return w;
    }

    /** Logits {@code [1, T, V]} for one sequence, with the registered hooks; the result is attached to {@code out}. */
    public NDArray forward(long[] ids, NDManager out) {
        checkIds(ids);
        try (NDManager pass = manager.newSubManager()) {
            NDArray logits = forward(pass.create(ids, new Shape(1, ids.length)), hooks); // [1, T, V]
            logits.attach(out);
            return logits;
        }
    }

    /**
     * A forward pass that captures the named hook points (exact or short names) into a new cache. A capture
     * whose size, known before the pass, is over {@link #captureBudgetBytes()} is refused.
     */
    public Run run(long[] ids, Collection<String> capture) {
        return run(ids, capture, -1);
    }

    /**
     * As {@link #run(long[], Collection)}, with the logits of position {@code logitsAt} only ({@code [1, 1, V]};
     * -1 for every position): for analyses that read the residual stream and check one read-out. The other
     * positions' unembedding (C x V multiply-adds each, about a tenth of a 30-token pass on GPT-2) is skipped
     * unless a hook on {@code ln_final} or {@code logits} is registered: those see every position, as in any pass.
     */
    public Run run(long[] ids, Collection<String> capture, int logitsAt) {
        checkIds(ids);
        if (logitsAt < -1 || logitsAt >= ids.length) {
            throw new IllegalArgumentException("logits position " + logitsAt + " is not within 0.." + (ids.length - 1));
        }
        List<String> names = capture.stream().map(hooks::resolve).distinct().toList();
        long bytes = captureBytes(names, ids.length);
        if (bytes > captureBudgetBytes) {
            throw new CaptureTooLargeException(names.size(), ids.length, bytes, captureBudgetBytes);
        }
        ActivationCache cache = new ActivationCache(manager, config.nLayer());
        try (Hooks.Scope scope = hooks.scope(); NDManager pass = manager.newSubManager()) {
            for (String name : names) {
                scope.add(name, cache.recorder());
            }
            NDArray logits = forward(pass.create(ids, new Shape(1, ids.length)), hooks, logitsAt); // [1, T or 1, V]
            logits.attach(cache.manager());
            return new Run(logits, cache);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
    }

    /** The logits ({@code [1, T, V]}, or {@code [1, 1, V]} at one position) and captured activations of one run; closing it frees both. */
    public record Run(NDArray logits, ActivationCache cache) implements AutoCloseable {
        @Override
        public void close() {
            cache.close();
        }
    }

    /** The most bytes one capture may take (default 4 GiB). */
    public long captureBudgetBytes() {
        return captureBudgetBytes;
    }

    public void setCaptureBudgetBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("the capture budget must be positive");
        }
        this.captureBudgetBytes = bytes;
    }

    /** Bytes a capture of {@code names} (exact) takes for {@code t} tokens, known before the pass. */
    public long captureBytes(Collection<String> names, int t) {
        long total = 0;
        for (String name : Set.copyOf(names)) {
            long elements = 1;
            for (long d : HookPoint.shape(name, 1, t, config.nHead(), config.nEmbd(), config.vocabSize())) {
                elements *= d;
            }
            total += elements * dtype().getNumOfBytes();
        }
        return total;
    }

    private void checkIds(long[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to run; give a text first");
        }
        if (ids.length > config.nPositions()) {
            throw new IllegalArgumentException(ids.length + " tokens are more than the model's context of "
                    + config.nPositions() + "; shorten the text");
        }
        for (long id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (config.vocabSize() - 1));
            }
        }
    }

    /** The whole pass for a batch of token ids {@code [B, T]}, in the scope of the ids' manager. */
    NDArray forward(NDArray ids, Hooks hooks) {
        return forward(ids, hooks, -1);
    }

    /** As {@link #forward(NDArray, Hooks)}, with the logits of position {@code logitsAt} only ({@code [B, 1, V]}) unless it is -1. */
    private NDArray forward(NDArray ids, Hooks hooks, int logitsAt) {
        NDArray x = embed(ids, 0, hooks); // [B, T, C]
        for (int l = 0; l < config.nLayer(); l++) {
            x = block(l, x, null, hooks).residual(); // [B, T, C]
        }
        if (logitsAt < 0) {
            return unembed(x, hooks); // [B, T, V]
        }
        NDIndex at = new NDIndex(":, {}:{}", logitsAt, logitsAt + 1);
        if (hooks != null && (hooks.has(HookPoint.LN_FINAL) || hooks.has(HookPoint.LOGITS))) {
            return unembed(x, hooks).get(at); // [B, 1, V], its hooks having seen every position
        }
        return unembed(x.get(at), hooks); // [B, 1, V]
    }

    /** Token plus position embeddings for ids {@code [B, T]} at positions {@code start..start+T-1}. */
    public NDArray embed(NDArray ids, int start, Hooks hooks) {
        w.checkUnchanged(); // the weights are the file's pages: refuse a pass once it changed on disk
        long t = ids.getShape().get(1);
        NDManager pass = ids.getManager(); // results of ops on weights would land in the model's manager
        NDArray tok = w.wte().get(pass, new NDIndex("{}", ids)); // [B, T, C]
        tok = hook(hooks, HookPoint.EMBED, tok);
        // a copy: a slice of wpe is a view of read-only file pages, and hooks and caches may write to what they see
        NDArray pos = w.wpe().get(pass, new NDIndex("{}:{}", start, start + t)).duplicate().expandDims(0); // [1, T, C]
        pos = hook(hooks, HookPoint.POS_EMBED, pos.broadcast(tok.getShape()));
        return tok.add(pos); // [B, T, C]
    }

    /** Keys and values of earlier positions, {@code [B or 1, NH, P, HS]} each, that a block's queries also see. */
    public record KvPrefix(NDArray k, NDArray v) {
        public long length() {
            return k.getShape().get(2);
        }
    }

    /** A block's output residual stream and the keys and values of its positions ({@code [B, NH, T, HS]}). */
    public record BlockOutput(NDArray residual, NDArray k, NDArray v) {}

    /**
     * Transformer block {@code l} on residual {@code x} {@code [B, T, C]} for positions {@code P..P+T-1}, where
     * {@code P} is the length of {@code prefix} (null for none). Query position {@code P+i} attends to keys
     * {@code 0..P+i}: the prefix's keys and values stand for positions the caller did not recompute (a KV cache).
     * This is the textbook block the reference test checks; {@link BlockWithRider} runs the same steps for two
     * batches sharing the matrix products.
     */
    public BlockOutput block(int l, NDArray x, KvPrefix prefix, Hooks hooks) {
        w.checkUnchanged(); // the weights are the file's pages: refuse a pass once it changed on disk
        Gpt2Weights.Block b = w.blocks().get(l);
        BlockSites at = sites[l];
        Shape s = x.getShape(); // [B, T, C]
        x = hook(hooks, at.residPre(), x); // [B, T, C]
        NDArray[] inputs = hasInputHook(at, hooks) ? headInputs(at, hooks, x) : null; // q, k, v [B, T, NH, C] each
        NDArray ln1 = hook(hooks, at.ln1(), layerNorm(x, b.ln1W(), b.ln1B())); // [B, T, C]
        NDArray qkv = hook(hooks, at.qkv(), inputs != null ? viaHeadInputs(b, at, hooks, x, ln1, inputs)
                : linear(ln1, b.attnW(), b.attnB())); // [B, T, 3C]
        Heads heads = attend(at, hooks, qkv, prefix); // z [B, T, NH, HS]; k, v [B, NH, T, HS]
        NDArray attnOut = hook(hooks, at.attnOut(), hasResultHook(at, hooks) ? viaResult(b, at, hooks, heads.z())
                : linear(heads.z().reshape(s.get(0), s.get(1), config.nEmbd()), b.projW(), b.projB())); // [B, T, C]
        NDArray mid = hook(hooks, at.residMid(), x.add(attnOut)); // [B, T, C], residual += attention
        NDArray mlpIn = hook(hooks, at.mlpIn(), mid); // [B, T, C], the MLP's copy: the residual goes on from mid
        NDArray ln2 = hook(hooks, at.ln2(), layerNorm(mlpIn, b.ln2W(), b.ln2B())); // [B, T, C]
        NDArray pre = hook(hooks, at.mlpPre(), linear(ln2, b.fcW(), b.fcB())); // [B, T, 4C]
        NDArray post = hook(hooks, at.mlpPost(), gelu(pre)); // [B, T, 4C]
        NDArray mlpOut = hook(hooks, at.mlpOut(), linear(post, b.mlpProjW(), b.mlpProjB())); // [B, T, C]
        NDArray out = hook(hooks, at.residPost(), mid.add(mlpOut)); // [B, T, C], residual += MLP
        return new BlockOutput(out, heads.k(), heads.v());
    }

    /** One stream's attention: its heads' outputs, and its own positions' keys and values. */
    record Heads(NDArray z, NDArray k, NDArray v) {}

    /** Causal attention from {@code qkv} {@code [B, T, 3C]}, with hook points q to z. */
    Heads attend(BlockSites at, Hooks hooks, NDArray qkv, KvPrefix prefix) {
        Shape s = qkv.getShape();
        long bsz = s.get(0);
        long t = s.get(1);
        long p = prefix == null ? 0 : prefix.length();
        int nh = config.nHead();
        int hs = config.dHead();
        NDList split = qkv.split(3, 2);
        NDArray q = hook(hooks, at.q(), split.get(0).reshape(bsz, t, nh, hs)); // [B, T, NH, HS]
        NDArray k = hook(hooks, at.k(), split.get(1).reshape(bsz, t, nh, hs)); // [B, T, NH, HS]
        NDArray v = hook(hooks, at.v(), split.get(2).reshape(bsz, t, nh, hs)); // [B, T, NH, HS]
        NDArray qh = q.transpose(0, 2, 1, 3); // [B, NH, T, HS]
        NDArray kh = k.transpose(0, 2, 1, 3); // [B, NH, T, HS]
        NDArray vh = v.transpose(0, 2, 1, 3); // [B, NH, T, HS]
        NDArray scores = qh.matMul(kh.transpose(0, 1, 3, 2)); // [B, NH, T, T]
        if (prefix != null) {
            NDArray past = Dense.matMulShared(qh, prefix.k().transpose(0, 1, 3, 2)); // [B, NH, T, P]
            scores = past.concat(scores, 3); // [B, NH, T, P+T]
        }
        NDArray mask = causalMask.get(qkv.getManager(), new NDIndex("{}:{}, :{}", p, p + t, p + t)); // [T, P+T]
        scores = hook(hooks, at.attnScores(), scores.muli(attnScale).addi(mask)); // [B, NH, T, P+T]
        NDArray pattern = hook(hooks, at.pattern(), scores.softmax(3)); // [B, NH, T, P+T]
        NDArray zh; // [B, NH, T, HS]
        if (prefix != null) {
            NDList parts = pattern.split(new long[] {p}, 3);
            zh = Dense.matMulShared(parts.get(0), prefix.v()).addi(parts.get(1).matMul(vh)); // [B, NH, T, HS]
        } else {
            zh = pattern.matMul(vh); // [B, NH, T, HS]
        }
        NDArray z = hook(hooks, at.z(), zh.transpose(0, 2, 1, 3)); // [B, T, NH, HS]
        return new Heads(z, kh, vh);
    }

    /** Whether a pass must compute the heads' separate outputs: only when a hook on {@code hook_result} is registered. */
    static boolean hasResultHook(BlockSites at, Hooks hooks) {
        return hooks != null && !hooks.isEmpty() && hooks.has(at.result());
    }

    /**
     * {@code c_proj} as TransformerLens's {@code use_attn_result} computes it: each head's output {@code z_h @ W_O[h]}
     * (hook site {@code hook_result}), then their sum plus the bias; the same as the one product of
     * {@link #block} up to float rounding.
     */
    NDArray viaResult(Gpt2Weights.Block b, BlockSites at, Hooks hooks, NDArray z) {
        Shape s = z.getShape(); // [B, T, NH, HS]
        long bt = s.get(0) * s.get(1);
        int nh = config.nHead();
        NDArray heads = z.transpose(2, 0, 1, 3).reshape(nh, bt, config.dHead()); // [NH, B*T, HS]
        NDArray wo = b.projW().reshape(nh, config.dHead(), config.nEmbd()); // [NH, HS, C], a view of the weight
        try {
            NDArray perHead = heads.matMul(wo).reshape(nh, s.get(0), s.get(1), config.nEmbd()); // [NH, B, T, C]
            NDArray result = hook(hooks, at.result(), perHead.transpose(1, 2, 0, 3)); // [B, T, NH, C]
            return result.sum(new int[] {2}).add(b.projB()); // [B, T, C]
        } finally {
            wo.close(); // the view's handle only: it would otherwise stay in the model's manager
        }
    }

    /** Whether a pass must give each head inputs of its own: only when a per-head q, k or v input is hooked. */
    static boolean hasInputHook(BlockSites at, Hooks hooks) {
        return hooks != null && !hooks.isEmpty() && (hooks.has(at.qInput()) || hooks.has(at.kInput()) || hooks.has(at.vInput()));
    }

    /** The residual {@code x} {@code [B, T, C]} as each head's q, k and v see it, {@code [B, T, NH, C]} each, hooked. */
    NDArray[] headInputs(BlockSites at, Hooks hooks, NDArray x) {
        String[] names = at.inputs();
        NDArray[] out = new NDArray[3];
        for (int i = 0; i < 3; i++) {
            // [B, T, NH, C], a copy per head: a broadcast view would share one row between the heads, so a hook or a
            // captured activation written in place would write every head (or fail)
            out[i] = hook(hooks, names[i], x.expandDims(2).repeat(2, config.nHead()));
        }
        return out;
    }

    /**
     * {@code c_attn} as TransformerLens's {@code use_split_qkv_input} computes it: each head's q, k and v input
     * through {@code ln_1} on its own, then that head's columns of the weight, giving {@code [B, T, 3C]} (the same as
     * the one product of {@link #block} when no input changed, up to float rounding). A change at {@code ln1} itself
     * still reaches every head: its difference from {@code ln_1(x)} is added to each head's normalised input.
     */
    NDArray viaHeadInputs(Gpt2Weights.Block b, BlockSites at, Hooks hooks, NDArray x, NDArray ln1, NDArray[] inputs) {
        Shape s = x.getShape(); // [B, T, C]
        int nh = config.nHead();
        int hs = config.dHead();
        long c = config.nEmbd();
        long bt = s.get(0) * s.get(1);
        NDArray ln1Change = hooks.has(at.ln1()) ? ln1.sub(layerNorm(x, b.ln1W(), b.ln1B())).expandDims(2) : null; // [B, T, 1, C]
        NDArray[] parts = new NDArray[3];
        for (int i = 0; i < 3; i++) {
            NDArray normed = layerNorm(inputs[i], b.ln1W(), b.ln1B()); // [B, T, NH, C], each head's own statistics
            if (ln1Change != null) {
                normed = normed.add(ln1Change);
            }
            NDManager m = x.getManager(); // slices of the weights would otherwise land in the model's manager
            NDArray w = b.attnW().get(m, new NDIndex(":, {}:{}", i * c, (i + 1) * c)).reshape(c, nh, hs).transpose(1, 0, 2); // [NH, C, HS]
            NDArray perHead = normed.transpose(2, 0, 1, 3).reshape(nh, bt, c).matMul(w); // [NH, B*T, HS]
            NDArray bias = b.attnB().get(m, new NDIndex("{}:{}", i * c, (i + 1) * c)); // [C] = [NH * HS]
            parts[i] = perHead.transpose(1, 0, 2).reshape(s.get(0), s.get(1), c).add(bias); // [B, T, C]
        }
        return parts[0].concat(parts[1], 2).concat(parts[2], 2); // [B, T, 3C]
    }

    /** {@code x W + bias} for {@code x} {@code [B, T, IN]}: {@code [B, T, OUT]} (GPT-2's Conv1D stores W as [IN, OUT]). */
    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        Shape s = x.getShape();
        NDArray y = Dense.product(x.reshape(s.get(0) * s.get(1), s.get(2)), weight); // [B*T, OUT]
        return y.addi(bias).reshape(s.get(0), s.get(1), -1); // [B, T, OUT]
    }

    /** The hook sites of block {@code l}. */
    BlockSites sites(int l) {
        return sites[l];
    }

    /** Final layer norm and the tied unembedding: logits {@code [B, T, V]}. */
    public NDArray unembed(NDArray x, Hooks hooks) {
        NDArray ln = hook(hooks, HookPoint.LN_FINAL, layerNorm(x, w.lnFW(), w.lnFB())); // [B, T, C]
        NDArray logits = ln.matMul(wteT); // [B, T, V]
        if (unembedBias != null) {
            logits = logits.addi(unembedBias); // [B, T, V], processed weights' b_U
        }
        return hook(hooks, HookPoint.LOGITS, logits); // [B, T, V]
    }

    NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        return x.getNDArrayInternal()
                .layerNorm(x, new Shape(config.nEmbd()), gamma, beta, (float) config.layerNormEps())
                .get(0);
    }

    /**
     * GPT-2's tanh GELU, written as {@code x * sigmoid(2u)} since 0.5(1+tanh u) = sigmoid(2u) and sigmoid is faster.
     * The last product is out of place: sigmoid's backward reads its output, so attribution patching's gradient
     * needs it unmodified.
     */
    NDArray gelu(NDArray x) {
        NDArray u2 = x.mul(x).muli(x).muli(geluCubic).addi(x).muli(geluTwoRootTwoOverPi); // 2u
        return u2.getNDArrayInternal().sigmoid().mul(x);
    }

    static NDArray hook(Hooks hooks, String name, NDArray x) {
        return hooks == null || hooks.isEmpty() ? x : hooks.run(name, x);
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
