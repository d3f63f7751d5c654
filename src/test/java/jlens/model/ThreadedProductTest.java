package jlens.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import jlens.Fixture;
import org.junit.jupiter.api.Test;

/**
 * The products run as matMul on one thread and as a width-1 convolution on more (oneDNN's gain): both give
 * the same logits, for one text and for a batch of more than 64 rows. The suite runs on one thread, so without
 * this the convolution path would go untested.
 */
class ThreadedProductTest {
    @Test
    void oneAndTwoThreadsGiveTheSameLogits() {
        try (Gpt2 model = Gpt2.load(Fixture.dir()); NDManager m = NDManager.newBaseManager()) {
            int threads = JniUtils.getNumThreads(); // the engine's natives are loaded by now
            try {
                check(model, m, Fixture.text());
                checkBatch(model, m);
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

    /** Beyond 64 rows the convolution runs only with oneDNN's cache bounded: a batch of 4 texts crosses that. */
    private static void checkBatch(Gpt2 model, NDManager m) {
        long[] ids = model.tokenizer().encode(Fixture.text());
        int b = 64 / ids.length + 2;
        long[] batch = new long[b * ids.length];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ids, 0, batch, i * ids.length, ids.length);
        }
        assertTrue(NativeSettings.cacheBounded(), "oneDNN's primitive cache is bounded here, so the convolution takes every row count");
        float[][] out = new float[2][];
        for (int threads = 1; threads <= 2; threads++) {
            JniUtils.setNumThreads(threads);
            try (NDManager pass = m.newSubManager()) {
                out[threads - 1] = model.forward(pass.create(batch, new Shape(b, ids.length)), model.hooks()).toFloatArray(); // [B, T, V]
            }
        }
        assertArrayEquals(out[0], out[1], 2e-4f);
        float[] alone = model.forward(ids, m).toFloatArray(); // two threads, T rows
        for (int i = 0; i < alone.length; i++) {
            assertEquals(alone[i], out[1][(b - 1) * alone.length + i], 2e-4f, "the batch's last text against itself alone");
        }
    }
}
