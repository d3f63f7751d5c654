package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {
    private static final boolean HAS_GPU = Engine.getEngine("PyTorch").getGpuCount() > 0;

    @Test
    void cpuAndDefaults() {
        assertEquals(new Gpt2.LoadOptions(Device.cpu(), DataType.FLOAT32), Gpt2.LoadOptions.parse("cpu", null));
        Gpt2.LoadOptions auto = Gpt2.LoadOptions.parse(null, null);
        assertEquals(HAS_GPU ? Device.gpu() : Device.cpu(), auto.device());
        assertEquals(DataType.FLOAT32, auto.dtype());
    }

    @Test
    void badWordsAndImpossibleChoicesSaySo() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Gpt2.LoadOptions.parse("tpu", null))
                .getMessage().contains("use cpu, gpu"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Gpt2.LoadOptions.parse("cpu", "f8"))
                .getMessage().contains("use f32 or f16"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Gpt2.LoadOptions.parse("cpu", "f16"))
                .getMessage().contains("needs a GPU"));
        if (!HAS_GPU) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Gpt2.LoadOptions.parse("gpu", null))
                    .getMessage().contains("no usable GPU"));
        }
    }
}
