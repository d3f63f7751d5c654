package jlens.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Map;
import jlens.model.Gpt2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline start, end to end: with no network and an empty cache the default resolves to the bundled model,
 * and the GPT-2 loader opens it and runs a forward pass. Prints the times the README's "within seconds" rests on.
 */
class KnownModelLoadsTest {
    @TempDir
    Path tmp;

    @Test
    void offlineDefaultOpensInTheLoaderAndRuns() throws Exception {
        Map<String, String> env = Fixtures.env(tmp, "http://127.0.0.1:9"); // never contacted: offline
        env.put("HF_HUB_OFFLINE", "1");
        long t0 = System.nanoTime();
        ResolvedModel m = Fixtures.store(env).resolveDefault(null, ProgressListener.NONE, new Cancellation());
        long t1 = System.nanoTime();
        assertEquals(Source.BUNDLED, m.source());
        try (Gpt2 model = Gpt2.load(m.dir()); NDManager out = NDManager.newBaseManager()) {
            long t2 = System.nanoTime();
            assertEquals(KnownModelWriter.N_LAYER, model.config().nLayer());
            assertEquals(3, model.config().nHead());
            assertEquals(384, model.config().nEmbd());
            assertEquals(KnownModelWriter.CIRCUITS, KnownCircuits.read(m.dir()));
            long[] ids = model.tokenizer().encode("The quick brown fox jumps over the lazy dog");
            assertArrayEquals(new long[] {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290}, ids,
                    "the real GPT-2 tokenizer");
            NDArray logits = model.forward(ids, out); // [1, T, V]
            long t3 = System.nanoTime();
            assertArrayEquals(new long[] {1, ids.length, 50257}, logits.getShape().getShape());
            float[] v = logits.toFloatArray();
            for (float x : v) {
                assertTrue(Float.isFinite(x));
            }
            System.out.printf("known model: resolve+write %.0f ms, load %.0f ms, first forward %.0f ms%n",
                    (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
        }
    }
}
