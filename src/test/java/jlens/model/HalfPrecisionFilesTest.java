package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import jlens.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BF16 and F16 checkpoints on every path the engine supports. DJL's PyTorch binding has no bfloat16 (a bfloat16
 * array aborts the process), so BF16 files are widened to F32 as they are read and bf16 compute is refused in one
 * line before the engine sees it. The BF16 model must give the F32 model's logits within bfloat16's rounding.
 */
class HalfPrecisionFilesTest {
    @TempDir
    Path tmp;

    /** The fixture with every tensor rounded to {@code dtype} (BF16 or F16). */
    static Path rounded(Path dir, String dtype) throws IOException {
        CheckpointFiles.copyWithoutWeights(Fixture.dir(), dir);
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) -> {
            ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocate(data.length / 2).order(ByteOrder.LITTLE_ENDIAN);
            while (in.hasRemaining()) {
                float f = in.getFloat();
                out.putShort(dtype.equals("BF16") ? SafetensorsWriter.toBfloat16(f) : SafetensorsWriter.toHalf(f));
            }
            return new CheckpointFiles.Rewritten(info.name(), dtype, info.shape(), out.array());
        });
        return dir;
    }

    @Test
    void bfloat16RoundingIsToNearestEven() {
        assertEquals((short) 0x3f80, SafetensorsWriter.toBfloat16(1f));
        assertEquals((short) 0xc000, SafetensorsWriter.toBfloat16(-2f));
        // 1 + 2^-8 is half-way between 1 and 1 + 2^-7: ties go to the even mantissa (1)
        assertEquals((short) 0x3f80, SafetensorsWriter.toBfloat16(1f + 0x1p-8f));
        assertEquals((short) 0x3f81, SafetensorsWriter.toBfloat16(1f + 0x1p-8f + 0x1p-20f));
        assertTrue(Float.isNaN(Float.intBitsToFloat(SafetensorsWriter.toBfloat16(Float.NaN) << 16)));
    }

    @Test
    void bf16CheckpointLoadsAsFloat32WithTheSameLogits() throws IOException {
        Path dir = rounded(tmp.resolve("bf16"), "BF16");
        try (Gpt2 half = Gpt2.load(dir); Gpt2 full = Gpt2.load(Fixture.dir()); NDManager m = NDManager.newBaseManager()) {
            assertEquals(DataType.FLOAT32, half.dtype());
            float[] a = full.forward(Fixture.tokenIds(), m).toFloatArray();
            float[] b = half.forward(Fixture.tokenIds(), m).toFloatArray();
            double maxDiff = 0;
            double scale = 0;
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(a[i]));
            }
            assertTrue(maxDiff > 0, "BF16 rounding changes something");
            assertTrue(maxDiff < 0.1 * scale, "BF16 weights give close logits: " + maxDiff + " at scale " + scale);
        }
    }

    @Test
    void bf16WeightsAreWidenedExactly() throws IOException {
        Path dir = rounded(tmp.resolve("bf16"), "BF16");
        Gpt2Config config = Gpt2Config.read(dir.resolve("config.json"));
        Safetensors st = Safetensors.open(dir.resolve("model.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt2Weights w = Gpt2Weights.load(st.file(), config, m, Device.cpu(), DataType.FLOAT32);
            float[] widened = w.copy("h.1.mlp.c_fc.weight", m).toFloatArray();
            byte[] raw = CheckpointFiles.bytes(st, st.tensors().get("h.1.mlp.c_fc.weight"));
            ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : widened) {
                assertEquals(Float.intBitsToFloat((in.getShort() & 0xffff) << 16), f, 0f);
            }
        }
    }

    @Test
    void f16AndBf16FilesGiveTheSameModelAsF32WhenExact() throws IOException {
        // values exact in both half formats (small integers) load to identical weights
        Path dir = tmp.resolve("exact");
        CheckpointFiles.copyWithoutWeights(Fixture.dir(), dir);
        for (String dtype : new String[] {"F16", "BF16"}) {
            CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) -> {
                int n = data.length / 4;
                ByteBuffer out = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    float v = (i % 7) - 3;
                    out.putShort(dtype.equals("BF16") ? SafetensorsWriter.toBfloat16(v) : SafetensorsWriter.toHalf(v));
                }
                return new CheckpointFiles.Rewritten(info.name(), dtype, info.shape(), out.array());
            });
            Gpt2Config config = Gpt2Config.read(dir.resolve("config.json"));
            try (NDManager m = NDManager.newBaseManager()) {
                Gpt2Weights w = Gpt2Weights.load(dir.resolve("model.safetensors"), config, m, Device.cpu(), DataType.FLOAT32);
                float[] wpe = w.copy("wpe.weight", m).toFloatArray();
                for (int i = 0; i < wpe.length; i++) {
                    assertEquals((i % 7) - 3, wpe[i], 0f, dtype + " element " + i);
                }
            }
        }
    }

    @Test
    void bf16ComputeIsRefusedBeforeTheEngine() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gpt2.LoadOptions.parse("cpu", "bf16"));
        assertTrue(e.getMessage().contains("bf16"), e.getMessage());
        Path dir = rounded(tmp.resolve("bf16"), "BF16");
        Gpt2Config config = Gpt2Config.read(dir.resolve("config.json"));
        try (NDManager m = NDManager.newBaseManager()) {
            ModelLoadException refused = assertThrows(ModelLoadException.class, () -> Gpt2Weights.load(
                    dir.resolve("model.safetensors"), config, m, Device.cpu(), DataType.BFLOAT16));
            assertFalse(refused.getMessage().contains("\n"));
            assertTrue(refused.getMessage().contains("bfloat16"), refused.getMessage());
        }
    }

    /** On a machine with a GPU: BF16 and F16 files load for f32 and f16 compute there too. */
    @Test
    void halfPrecisionFilesOnTheGpuWhenThereIsOne() throws IOException {
        if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
            return; // nothing to check on a CPU-only machine; the CPU paths are checked above
        }
        for (String dtype : new String[] {"BF16", "F16"}) {
            Path dir = rounded(tmp.resolve(dtype), dtype);
            for (String compute : new String[] {"f32", "f16"}) {
                try (Gpt2 gpu = Gpt2.load(dir, Gpt2.LoadOptions.parse("gpu", compute));
                        Gpt2 cpu = Gpt2.load(dir); NDManager m = NDManager.newBaseManager()) {
                    float[] a = cpu.forward(Fixture.tokenIds(), m).toFloatArray();
                    float[] b = gpu.forward(Fixture.tokenIds(), m).toType(DataType.FLOAT32, false).toFloatArray();
                    double maxDiff = 0;
                    double scale = 0;
                    for (int i = 0; i < a.length; i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                        scale = Math.max(scale, Math.abs(a[i]));
                    }
                    assertTrue(maxDiff < 0.05 * scale, dtype + " file, " + compute + " on GPU: " + maxDiff);
                }
            }
        }
    }
}
