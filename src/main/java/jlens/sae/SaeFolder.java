package jlens.sae;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import jlens.model.ModelLoadException;
import jlens.model.Safetensors;
import jlens.sys.MemoryErrors;

/**
 * Reads a SAELens folder: {@code cfg.json} ({@link SaeConfig}) and {@code sae_weights.safetensors} through jlens's strict
 * safetensors reader. Every tensor the architecture needs must be there with its shape, nothing else may be (SAELens
 * loads its state dict strictly too), values must be finite, and the arrays are copied into memory of the SAE's own
 * (a later change to the file cannot reach them). Reading stops at an interrupt (Ctrl-C) with a
 * {@link CancellationException}.
 */
final class SaeFolder {
    static final String CONFIG = "cfg.json";
    static final String WEIGHTS = "sae_weights.safetensors";

    private SaeFolder() {}

    static Sae read(Path dir, String name, Device device, double normScale) {
        checkInterrupt();
        if (!Files.isDirectory(dir)) {
            throw new SaeLoadException(dir + (Files.exists(dir) ? ": a file, not a folder" : ": no such folder")
                    + " (an SAE folder holds " + CONFIG + " and " + WEIGHTS + ")");
        }
        SaeConfig c = SaeConfig.read(dir.resolve(CONFIG), normScale);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            boolean pickle = Files.exists(dir.resolve("sae_weights.pt")) || Files.exists(dir.resolve("sae_weights.pth"));
            throw new SaeLoadException(file + ": file not found" + (pickle ? " (this folder has a PyTorch pickle, which jlens"
                    + " never unpickles: convert it to safetensors)" : " (an SAE folder holds " + CONFIG + " and " + WEIGHTS + ")"));
        }
        Safetensors st;
        try {
            st = Safetensors.open(file);
        } catch (ModelLoadException e) {
            throw new SaeLoadException(SaeText.problem(e.getMessage()));
        }
        Map<String, long[]> shapes = expected(c, st);
        checkTensors(file, st, shapes);
        checkMemory(file, shapes);
        NDManager m = Engine.getEngine("PyTorch").newBaseManager(device);
        try {
            Map<String, NDArray> w = new LinkedHashMap<>();
            for (String key : shapes.keySet()) {
                checkInterrupt();
                w.put(key, copy(file, st, key, m));
            }
            return assemble(name, dir, c, m, w, file);
        } catch (RuntimeException | Error e) {
            m.close();
            if (e instanceof OutOfMemoryError oom) {
                throw new SaeLoadException(file + ": " + MemoryErrors.describe(oom, "while reading the weights"), oom);
            }
            throw e;
        }
    }

    /** The tensors the architecture has, with their shapes: SAELens's state dict for it. */
    private static Map<String, long[]> expected(SaeConfig c, Safetensors st) {
        long d = c.dIn();
        long f = c.dSae();
        Map<String, long[]> out = new LinkedHashMap<>();
        out.put("W_enc", new long[] {d, f});
        if (c.architecture() == SaeConfig.Architecture.GATED) {
            out.put("b_gate", new long[] {f});
            out.put("b_mag", new long[] {f});
            out.put("r_mag", new long[] {f});
        } else {
            out.put("b_enc", new long[] {f});
        }
        out.put("W_dec", new long[] {f, d});
        out.put("b_dec", new long[] {d});
        if (c.architecture() == SaeConfig.Architecture.JUMPRELU) {
            out.put("threshold", new long[] {f});
        }
        if (c.architecture() == SaeConfig.Architecture.BATCHTOPK) {
            if (st.tensors().containsKey("threshold")) {
                out.put("threshold", new long[] {f});
            } else if (st.tensors().containsKey("topk_threshold")) {
                out.put("topk_threshold", new long[] {});
            } else {
                throw new SaeLoadException(st.file() + ": a batchtopk SAE needs tensor 'threshold' or 'topk_threshold' (its"
                        + " inference rule is JumpReLU with the learnt threshold); this file has neither");
            }
        }
        if (st.tensors().containsKey("scaling_factor")) {
            out.put("scaling_factor", new long[] {f}); // older files: allowed when all ones (checked after reading)
        }
        return out;
    }

    private static void checkTensors(Path file, Safetensors st, Map<String, long[]> shapes) {
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            Safetensors.TensorInfo t = st.tensors().get(e.getKey());
            if (t == null) {
                throw new SaeLoadException(file + ": missing tensor " + SaeText.quote(e.getKey()) + " (a "
                        + "SAE of this architecture has " + String.join(", ", shapes.keySet()) + ")");
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new SaeLoadException(file + ": tensor " + SaeText.quote(e.getKey()) + " has shape "
                        + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(e.getValue()) + " from cfg.json's d_in and"
                        + " d_sae");
            }
            if (!List.of("F32", "F16", "BF16").contains(t.dtype())) {
                throw new SaeLoadException(file + ": tensor " + SaeText.quote(e.getKey()) + " has dtype " + t.dtype()
                        + "; jlens reads F32, F16 and BF16");
            }
        }
        for (String key : st.tensors().keySet()) {
            if (!shapes.containsKey(key)) {
                throw new SaeLoadException(file + ": tensor " + SaeText.quote(key) + " is not one this SAE has ("
                        + String.join(", ", shapes.keySet()) + ")");
            }
        }
    }

    /** The weights, copied as float32, must fit in this machine's memory (with room for the model beside them). */
    private static void checkMemory(Path file, Map<String, long[]> shapes) {
        long bytes = 0;
        for (long[] s : shapes.values()) {
            bytes += 4L * Arrays.stream(s).reduce(1, (a, b) -> a * b);
        }
        long total = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : -1;
        if (total > 0 && 2 * bytes > total) {
            throw new SaeLoadException(file + ": its weights take " + String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                    + " as float32, more than half this machine's memory");
        }
    }

    /** One tensor as a float32 array of the SAE's own (never the file's pages), checked finite. */
    private static NDArray copy(Path file, Safetensors st, String key, NDManager m) {
        NDArray out;
        try (NDManager staging = NDManager.newBaseManager(Device.cpu())) {
            NDArray mapped;
            try {
                mapped = st.load(staging, key);
            } catch (ModelLoadException e) {
                throw new SaeLoadException(SaeText.problem(e.getMessage()));
            }
            NDArray f32 = mapped.getDataType() == DataType.FLOAT32 ? mapped.duplicate() : mapped.toType(DataType.FLOAT32, true);
            if (f32.isNaN().any().getBoolean() || f32.isInfinite().any().getBoolean()) {
                throw new SaeLoadException(file + ": tensor " + SaeText.quote(key) + " holds NaN or infinite values");
            }
            out = m.getDevice().equals(Device.cpu()) ? f32 : f32.toDevice(m.getDevice(), true);
            out.attach(m);
        }
        return out;
    }

    /** The SAE from its tensors: expected_average_only_in folded in, a batchtopk threshold spread, a gated magnitude matrix. */
    private static Sae assemble(String name, Path dir, SaeConfig c, NDManager m, Map<String, NDArray> w, Path file) {
        NDArray scaling = w.get("scaling_factor");
        if (scaling != null && !scaling.eq(1f).all().getBoolean()) {
            throw new SaeLoadException(file + ": tensor 'scaling_factor' is not all ones: a finetuning scaling factor, which"
                    + " SAELens 6 no longer runs and jlens does not either");
        }
        NDArray wEnc = w.get("W_enc");
        NDArray wDec = w.get("W_dec");
        NDArray bDec = w.get("b_dec");
        NDArray bEnc = w.get("b_enc");
        SaeConfig run = c;
        if (c.normalize() == SaeConfig.Normalization.EXPECTED_AVERAGE_ONLY_IN) {
            // SAELens's fold_activation_norm_scaling_factor: x * s in, / s out, exactly, as weights
            float s = (float) c.normScalingFactor();
            wEnc = wEnc.mul(s);
            wDec = wDec.div(s);
            bDec = bDec.div(s);
        }
        NDArray threshold = w.get("threshold");
        NDArray decNorm = null;
        if (c.architecture() == SaeConfig.Architecture.BATCHTOPK) {
            if (c.rescaleActsByDecoderNorm()) { // how SAELens saves it for inference: decoder rows made unit norm
                NDArray n = wDec.norm(new int[] {1}); // [F]
                bEnc = bEnc.mul(n);
                wEnc = wEnc.mul(n.reshape(1, -1));
                wDec = wDec.div(n.reshape(-1, 1));
            }
            if (threshold == null) {
                threshold = w.get("topk_threshold").broadcast(c.dSae()).duplicate();
            }
        }
        if (c.architecture() == SaeConfig.Architecture.TOPK && c.rescaleActsByDecoderNorm()) {
            decNorm = wDec.norm(new int[] {1}); // [F]
        }
        NDArray wMag = null;
        NDArray bMag = null;
        if (c.architecture() == SaeConfig.Architecture.GATED) {
            wMag = wEnc.mul(w.get("r_mag").exp().reshape(1, -1)); // [D, F], W_enc * exp(r_mag)
            bMag = w.get("b_mag");
            bEnc = w.get("b_gate");
        }
        return new Sae(name, dir, run, m, wEnc, bEnc, wMag, bMag, wDec, bDec, threshold, decNorm);
    }

    private static void checkInterrupt() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("cancelled");
        }
    }
}
