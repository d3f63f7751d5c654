package jlens.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import jlens.Fixture;
import org.junit.jupiter.api.Test;

/**
 * {@link Dense#product}'s convolution equals matMul at every row count from 5 to 140, on two threads, for the
 * fixture's width and GPT-2 small's and medium's. oneDNN picks its kernel and blocking by row count, and a
 * neighbouring layout (the weight read channels-last) gave whole wrong rows past a multiple of 32 at some
 * counts in this engine build: so every count is checked, not a few.
 */
class DenseRowCountsTest {
    @Test
    void everyRowCountMatchesMatMul() {
        try (Gpt2 model = Gpt2.load(Fixture.dir()); NDManager m = NDManager.newBaseManager()) { // loads the natives and their settings
            int threads = JniUtils.getNumThreads();
            JniUtils.setNumThreads(2);
            try {
                long c = model.config().nEmbd();
                long[][] shapes = {{c, 3 * c}, {768, 2304}, {1024, 4096}};
                List<String> wrong = new ArrayList<>();
                for (long[] shape : shapes) {
                    try (NDManager s = m.newSubManager()) {
                        NDArray w = s.randomNormal(new Shape(shape[0], shape[1]));
                        for (int r = 5; r <= 140; r++) {
                            try (NDManager q = s.newSubManager()) {
                                NDArray x = q.randomNormal(new Shape(r, shape[0]));
                                NDArray want = x.matMul(w);
                                NDArray got = Dense.product(x, w);
                                got.attach(q);
                                float diff = got.sub(want).abs().max().getFloat();
                                float scale = want.abs().max().getFloat();
                                if (!(diff <= 1e-4f * scale)) {
                                    wrong.add(r + " rows of " + shape[0] + "x" + shape[1] + " (max |diff| " + diff + ")");
                                }
                            }
                        }
                    }
                }
                assertTrue(wrong.isEmpty(), "the convolution differs from matMul at " + wrong);
            } finally {
                JniUtils.setNumThreads(threads);
            }
        }
    }
}
