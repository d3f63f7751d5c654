package jlens.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import jlens.Fixture;
import org.junit.jupiter.api.Test;

/**
 * The products run as matMul on one thread and as a width-1 convolution on more (oneDNN's gain): both give
 * the same logits. The suite runs on one thread, so without this the convolution path would go untested.
 */
class ThreadedProductTest {
    @Test
    void oneAndTwoThreadsGiveTheSameLogits() {
        try (Gpt2 model = Gpt2.load(Fixture.dir()); NDManager m = NDManager.newBaseManager()) {
            int threads = JniUtils.getNumThreads(); // the engine's natives are loaded by now
            try {
                check(model, m, Fixture.text());
            } finally {
                JniUtils.setNumThreads(threads);
            }
        }
    }

    private static void check(Gpt2 model, NDManager m, String text) {
        long[] ids = model.tokenizer().encode(text);
        JniUtils.setNumThreads(1);
        float[] single = model.forward(ids, m).toFloatArray();
        JniUtils.setNumThreads(2);
        assertEquals(2, JniUtils.getNumThreads());
        float[] multi = model.forward(ids, m).toFloatArray();
        assertEquals(single.length, multi.length);
        assertArrayEquals(single, multi, 2e-4f);
    }
}
