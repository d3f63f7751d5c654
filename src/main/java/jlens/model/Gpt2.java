package jlens.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
 */
public final class Gpt2 implements AutoCloseable {
    /** Options for {@link #load}: where the weights live and the dtype the pass computes in. */
    public record LoadOptions(Device device, DataType dtype) {
        public static LoadOptions cpu() {
            return new LoadOptions(Device.cpu(), DataType.FLOAT32);
        }

        /**
         * Options from the command line's words: device {@code auto} (a GPU when DJL's engine sees one, else the
         * CPU), {@code cpu}, {@code gpu} or {@code gpu:N}; dtype {@code f32} (default), {@code f16} or {@code bf16}
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
                default -> throw new IllegalArgumentException("unknown dtype '" + dtype + "'; use f32, f16 or bf16");
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
    private final String[][] blockNames; // [L][point], precomputed so a pass builds no strings
    /**
     * Row counts up to which {@link #product} uses the convolution: beyond, the gain shrinks and each new row
     * count cost oneDNN memory (a 720-case grid sweep raised peak RSS by 0.6 GB).
     */
    private static final long CONV_MAX_ROWS = 64;
    private static final Shape CONV_STRIDE = new Shape(1);
    private static final Shape CONV_PADDING = new Shape(0);
    private static final Shape CONV_DILATION = new Shape(1);

    private final NDArray wteT; // [C, V], a transposed view of wte for the tied unembedding
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
        this.blockNames = new String[config.nLayer()][];
        for (int l = 0; l < config.nLayer(); l++) {
            int layer = l;
            blockNames[l] = HookPoint.BLOCK_POINTS.stream().map(p -> HookPoint.block(layer, p)).toArray(String[]::new);
        }
        this.wteT = w.wte().transpose();
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
        checkIds(ids);
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
            NDArray logits = forward(pass.create(ids, new Shape(1, ids.length)), hooks); // [1, T, V]
            logits.attach(cache.manager());
            return new Run(logits, cache);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
    }

    /** The logits and captured activations of one run; closing it frees both. */
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
        NDArray x = embed(ids, 0, hooks); // [B, T, C]
        for (int l = 0; l < config.nLayer(); l++) {
            x = block(l, x, null, hooks).residual(); // [B, T, C]
        }
        return unembed(x, hooks); // [B, T, V]
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
     * {@code 0..P+i}: the prefix's keys and values stand for positions the caller did not recompute.
     */
    public BlockOutput block(int l, NDArray x, KvPrefix prefix, Hooks hooks) {
        return layer(l, new Stream[] {new Stream(x, prefix, hooks)}, 0)[0];
    }

    /** What {@link #blockWithRider} gives back: each batch's output, as {@link #block} would give it. */
    public record RiderOutput(BlockOutput lead, BlockOutput rider) {}

    /**
     * Block {@code l} on a lead sequence and, in the same matrix products, a rider batch. The lead is what
     * {@code block(l, x, prefix, hooks)} takes, with batch 1. The rider {@code [R, W, C]} holds R variants of
     * positions {@code riderStart..riderStart+W-1} that attend to the lead's keys and values of the positions
     * before {@code riderStart} (from {@code prefix}, then from this call), with hooks of their own. Each gets
     * what {@link #block} would give it alone, but the layer's weights stream from memory once for both: an
     * ablation sweep's cases ride on its clean run. At every hook point the lead's hooks run before the rider's.
     */
    public RiderOutput blockWithRider(int l, NDArray x, KvPrefix prefix, Hooks hooks, NDArray rider, long riderStart,
                                      Hooks riderHooks) {
        long p = prefix == null ? 0 : prefix.length();
        if (x.getShape().get(0) != 1 || riderStart < p || riderStart > p + x.getShape().get(1)) {
            throw new IllegalArgumentException("a rider needs a lead of batch 1 covering its start " + riderStart
                    + "; the lead has shape " + x.getShape() + " after " + p + " prefix positions");
        }
        BlockOutput[] out = layer(l, new Stream[] {new Stream(x, prefix, hooks), new Stream(rider, null, riderHooks)},
                riderStart);
        return new RiderOutput(out[0], out[1]);
    }

    /** One batch going through a block: its residual, its key/value prefix (null for none) and its hooks. */
    private record Stream(NDArray x, KvPrefix prefix, Hooks hooks) {}

    /** A stream's attention: its heads' outputs and its own positions' keys and values. */
    private record Heads(NDArray z, NDArray k, NDArray v) {}

    /**
     * Block {@code l} on the lead stream {@code s[0]} and, if given, the rider {@code s[1]}, whose prefix is the
     * lead's keys and values before {@code riderStart}. The four matrix products take both streams' rows at once;
     * everything else, hooks included, runs per stream, lead first.
     */
    private BlockOutput[] layer(int l, Stream[] s, long riderStart) {
        w.checkUnchanged();
        Gpt2Weights.Block b = w.blocks().get(l);
        String[] names = blockNames[l];
        int n = s.length;
        NDArray[] x = new NDArray[n];
        NDArray[] ln1 = new NDArray[n];
        for (int i = 0; i < n; i++) {
            x[i] = hook(s[i].hooks(), names[0], s[i].x()); // resid_pre [B, T, C]
            ln1[i] = hook(s[i].hooks(), names[1], layerNorm(x[i], b.ln1W(), b.ln1B())); // [B, T, C]
        }
        NDArray[] qkv = hooked(s, names[2], linear(ln1, b.attnW(), b.attnB())); // [B, T, 3C]
        Heads[] heads = new Heads[n];
        for (int i = 0; i < n; i++) {
            KvPrefix prefix = i == 0 ? s[0].prefix() : leadPrefix(s[0].prefix(), heads[0], riderStart);
            heads[i] = attend(names, s[i].hooks(), qkv[i], prefix);
        }
        NDArray[] z = new NDArray[n];
        for (int i = 0; i < n; i++) {
            Shape zs = heads[i].z().getShape(); // [B, T, NH, HS]
            z[i] = heads[i].z().reshape(zs.get(0), zs.get(1), config.nEmbd()); // [B, T, C]
        }
        NDArray[] attnOut = hooked(s, names[9], linear(z, b.projW(), b.projB())); // [B, T, C]
        NDArray[] mid = new NDArray[n];
        NDArray[] ln2 = new NDArray[n];
        for (int i = 0; i < n; i++) {
            mid[i] = hook(s[i].hooks(), names[10], x[i].add(attnOut[i])); // resid_mid [B, T, C]
            ln2[i] = hook(s[i].hooks(), names[11], layerNorm(mid[i], b.ln2W(), b.ln2B())); // [B, T, C]
        }
        NDArray[] pre = hooked(s, names[12], linear(ln2, b.fcW(), b.fcB())); // [B, T, 4C]
        NDArray[] post = new NDArray[n];
        for (int i = 0; i < n; i++) {
            post[i] = hook(s[i].hooks(), names[13], gelu(pre[i])); // [B, T, 4C]
        }
        NDArray[] mlpOut = hooked(s, names[14], linear(post, b.mlpProjW(), b.mlpProjB())); // [B, T, C]
        BlockOutput[] out = new BlockOutput[n];
        for (int i = 0; i < n; i++) {
            NDArray residual = hook(s[i].hooks(), names[15], mid[i].add(mlpOut[i])); // resid_post [B, T, C]
            out[i] = new BlockOutput(residual, heads[i].k(), heads[i].v());
        }
        return out;
    }

    /** Causal attention of one stream, from its {@code qkv} {@code [B, T, 3C]} (hook points q to z). */
    private Heads attend(String[] names, Hooks hooks, NDArray qkv, KvPrefix prefix) {
        Shape s = qkv.getShape();
        long bsz = s.get(0);
        long t = s.get(1);
        long p = prefix == null ? 0 : prefix.length();
        int nh = config.nHead();
        int hs = config.dHead();
        NDList split = qkv.split(3, 2);
        NDArray q = hook(hooks, names[3], split.get(0).reshape(bsz, t, nh, hs)); // [B, T, NH, HS]
        NDArray k = hook(hooks, names[4], split.get(1).reshape(bsz, t, nh, hs)); // [B, T, NH, HS]
        NDArray v = hook(hooks, names[5], split.get(2).reshape(bsz, t, nh, hs)); // [B, T, NH, HS]
        NDArray qh = q.transpose(0, 2, 1, 3); // [B, NH, T, HS]
        NDArray kh = k.transpose(0, 2, 1, 3); // [B, NH, T, HS]
        NDArray vh = v.transpose(0, 2, 1, 3); // [B, NH, T, HS]
        NDArray scores = qh.matMul(kh.transpose(0, 1, 3, 2)); // [B, NH, T, T]
        if (prefix != null) {
            NDArray past = matMulShared(qh, prefix.k().transpose(0, 1, 3, 2)); // [B, NH, T, P]
            scores = past.concat(scores, 3); // [B, NH, T, P+T]
        }
        NDArray mask = causalMask.get(qkv.getManager(), new NDIndex("{}:{}, :{}", p, p + t, p + t)); // [T, P+T]
        scores = hook(hooks, names[6], scores.muli(attnScale).addi(mask)); // [B, NH, T, P+T]
        NDArray pattern = hook(hooks, names[7], scores.softmax(3)); // [B, NH, T, P+T]
        NDArray zh; // [B, NH, T, HS]
        if (prefix != null) {
            NDList parts = pattern.split(new long[] {p}, 3);
            zh = matMulShared(parts.get(0), prefix.v()).addi(parts.get(1).matMul(vh)); // [B, NH, T, HS]
        } else {
            zh = pattern.matMul(vh); // [B, NH, T, HS]
        }
        NDArray z = hook(hooks, names[8], zh.transpose(0, 2, 1, 3)); // [B, T, NH, HS]
        return new Heads(z, kh, vh);
    }

    /** The lead's keys and values of positions before {@code end}: its prefix's, then its own ({@code [1, NH, *, HS]}). */
    private static KvPrefix leadPrefix(KvPrefix prefix, Heads lead, long end) {
        long p = prefix == null ? 0 : prefix.length();
        if (end == 0) {
            return null;
        }
        if (end == p) {
            return prefix;
        }
        NDIndex own = new NDIndex(":, :, :{}, :", end - p);
        NDArray k = lead.k().get(own); // [1, NH, end-P, HS]
        NDArray v = lead.v().get(own); // [1, NH, end-P, HS]
        return prefix == null ? new KvPrefix(k, v) : new KvPrefix(prefix.k().concat(k, 2), prefix.v().concat(v, 2));
    }

    /**
     * {@code xs[i] W + bias} for each stream's {@code [B, T, IN]}: one matrix product over all streams' rows, so
     * the weight is read once; the results are views {@code [B, T, OUT]} of it.
     */
    private static NDArray[] linear(NDArray[] xs, NDArray weight, NDArray bias) {
        if (xs.length == 1) {
            Shape s = xs[0].getShape();
            NDArray y = product(xs[0].reshape(s.get(0) * s.get(1), s.get(2)), weight); // [B*T, OUT]
            return new NDArray[] {y.addi(bias).reshape(s.get(0), s.get(1), -1)}; // [B, T, OUT]
        }
        NDList rows = new NDList(xs.length);
        long[] ends = new long[xs.length - 1];
        long total = 0;
        for (int i = 0; i < xs.length; i++) {
            Shape s = xs[i].getShape();
            rows.add(xs[i].reshape(s.get(0) * s.get(1), s.get(2))); // [B*T, IN]
            total += s.get(0) * s.get(1);
            if (i < ends.length) {
                ends[i] = total;
            }
        }
        NDList parts = product(NDArrays.concat(rows, 0), weight).addi(bias).split(ends, 0); // [rows, OUT] each
        NDArray[] out = new NDArray[xs.length];
        for (int i = 0; i < xs.length; i++) {
            Shape s = xs[i].getShape();
            out[i] = parts.get(i).reshape(s.get(0), s.get(1), -1); // [B, T, OUT]
        }
        return out;
    }

    /**
     * {@code rows} {@code [R, IN]} times {@code weight} {@code [IN, OUT]}: {@code [R, OUT]}, written as a width-1
     * convolution whose signal is the weight (IN channels, OUT long) and whose R filters are the rows. PyTorch
     * runs that on oneDNN, which streams a weight matrix faster than MKL's sgemm does for a few dozen rows
     * (gpt2-large, 30 tokens: forward pass 0.51 s with matMul, 0.37-0.40 s like this), and it reads the weight
     * where it lies, with no transposed copy.
     */
    private static NDArray product(NDArray rows, NDArray weight) {
        long r = rows.getShape().get(0);
        if (r > CONV_MAX_ROWS || rows.getDevice().isGpu()) { // the trick is for CPU memory bandwidth; GPUs have cuBLAS
            return rows.matMul(weight);
        }
        long in = weight.getShape().get(0);
        long out = weight.getShape().get(1);
        NDArray signal = weight.reshape(1, in, out); // [1, IN, OUT], a view
        signal.attach(rows.getManager()); // else it and the product would land in the model's manager
        NDArray filters = rows.reshape(r, in, 1); // [R, IN, 1]
        return signal.getNDArrayInternal()
                .convolution(signal, filters, null, CONV_STRIDE, CONV_PADDING, CONV_DILATION, 1)
                .get(0) // [1, R, OUT]
                .reshape(r, out);
    }

    /** Runs each stream's hooks at {@code name} on its activation, lead first. */
    private static NDArray[] hooked(Stream[] s, String name, NDArray[] activations) {
        for (int i = 0; i < s.length; i++) {
            activations[i] = hook(s[i].hooks(), name, activations[i]);
        }
        return activations;
    }

    /**
     * {@code a} {@code [B, NH, T, X]} times {@code b} {@code [B or 1, NH, X, Y]}: {@code [B, NH, T, Y]}. A prefix
     * shared by the whole batch (batch 1) would be broadcast by copying it B times (a sweep's 720 cases copied
     * 100 MB of keys per layer); folding the batch into the rows multiplies by it once instead.
     */
    private static NDArray matMulShared(NDArray a, NDArray b) {
        Shape s = a.getShape();
        long bsz = s.get(0);
        if (bsz == 1 || b.getShape().get(0) != 1) {
            return a.matMul(b);
        }
        long nh = s.get(1);
        long t = s.get(2);
        NDArray rows = a.transpose(1, 0, 2, 3).reshape(nh, bsz * t, s.get(3)); // [NH, B*T, X]
        NDArray out = rows.matMul(b.squeeze(0)); // [NH, B*T, Y]
        return out.reshape(nh, bsz, t, -1).transpose(1, 0, 2, 3); // [B, NH, T, Y]
    }

    /** Final layer norm and the tied unembedding: logits {@code [B, T, V]}. */
    public NDArray unembed(NDArray x, Hooks hooks) {
        NDArray ln = hook(hooks, HookPoint.LN_FINAL, layerNorm(x, w.lnFW(), w.lnFB())); // [B, T, C]
        return hook(hooks, HookPoint.LOGITS, ln.matMul(wteT)); // [B, T, V]
    }

    private NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        return x.getNDArrayInternal()
                .layerNorm(x, new Shape(config.nEmbd()), gamma, beta, (float) config.layerNormEps())
                .get(0);
    }

    /** GPT-2's tanh GELU, written as {@code x * sigmoid(2u)} since 0.5(1+tanh u) = sigmoid(2u) and sigmoid is faster. */
    private NDArray gelu(NDArray x) {
        NDArray u2 = x.mul(x).muli(x).muli(geluCubic).addi(x).muli(geluTwoRootTwoOverPi); // 2u
        return u2.getNDArrayInternal().sigmoid().muli(x);
    }

    private static NDArray hook(Hooks hooks, String name, NDArray x) {
        return hooks == null || hooks.isEmpty() ? x : hooks.run(name, x);
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
