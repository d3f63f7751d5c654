package jlens.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import jlens.model.Gpt2;
import jlens.store.KnownModelWriter;
import jlens.store.KnownSae;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The known model's SAE names, at every position from 2 on, exactly the current token and the previous one, each at
 * activation 1; at positions 0 and 1 only the current token (the first position is the sink whose token layer 0 shrinks).
 */
class KnownSaeFeaturesTest {
    @TempDir
    static Path tmp;
    static Gpt2 model;
    static Sae sae;

    @BeforeAll
    static void load() throws Exception {
        Path dir = tmp.resolve("known-model-1");
        KnownModelWriter.write(dir);
        model = Gpt2.load(dir);
        sae = Sae.load(KnownSae.ensureBeside(dir), "known", Device.cpu(), Double.NaN);
    }

    @AfterAll
    static void close() {
        sae.close();
        model.close();
    }

    static void namesTheTokens(long[] ids) {
        SaeFeatures.Activations a = SaeFeatures.of(model, ids, SaeSplice.off(sae), List.of(), () -> {});
        for (int p = 0; p < ids.length; p++) {
            int[] expected = p < 2 ? new int[] {KnownSae.currentToken(ids[p])}
                    : new int[] {KnownSae.currentToken(ids[p]), KnownSae.previousToken(ids[p - 1])};
            int[] fired = a.top(p, 10);
            int[] sorted = fired.clone();
            Arrays.sort(sorted);
            int[] want = expected.clone();
            Arrays.sort(want);
            assertArrayEquals(want, sorted, "position " + p + ": features " + Arrays.toString(fired));
            for (int f : fired) {
                assertEquals(1.0, a.at(p, f), 0.02, "feature " + f + " at " + p);
            }
        }
    }

    @Test
    void aSentenceIsReadTokenByToken() {
        long[] ids = model.tokenizer().encode("When Mary and John went to the store, John gave a drink to");
        namesTheTokens(ids);
        assertEquals("known", sae.config().modelName());
        assertEquals(KnownSae.HOOK, sae.hook());
        assertEquals(2 * KnownSae.TOKENS, sae.dSae());
    }

    @Test
    void fourHundredRandomWorkingTokens() {
        Random r = new Random(7);
        long[] ids = new long[400];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(KnownSae.TOKENS);
        }
        namesTheTokens(ids);
    }

    @Test
    void theTokenFeaturePromotesItsToken() {
        long mary = 5335;
        SaeLogits.Weights w = SaeLogits.of(model, sae, new int[] {KnownSae.currentToken(mary)}, 3).get(0);
        // the decoder writes the token into the token block and its output copy; ln_f reads them +G and -G: they cancel,
        // so the current-token feature moves no logit; the previous-token feature writes nowhere ln_f reads
        assertTrue(Math.abs(w.promoted().get(0).weight()) < 1e-2, "cancels: " + w.promoted());
    }
}
