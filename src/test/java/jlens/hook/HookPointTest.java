package jlens.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HookPointTest {
    private static final int L = 12;

    @Test
    void shortAndFullNamesResolveToTransformerLensNames() {
        assertEquals("blocks.5.attn.hook_q", HookPoint.resolve("q5", L));
        assertEquals("blocks.5.attn.hook_q", HookPoint.resolve("q 5", L));
        assertEquals("blocks.11.attn.hook_pattern", HookPoint.resolve("pattern -1", L));
        assertEquals("blocks.3.hook_resid_pre", HookPoint.resolve("resid_pre3", L));
        assertEquals("blocks.0.mlp.hook_pre", HookPoint.resolve("pre 0", L));
        assertEquals("blocks.0.ln1.hook_normalized", HookPoint.resolve("ln1 0", L));
        assertEquals("blocks.2.attn.hook_qkv", HookPoint.resolve("qkv2", L));
        assertEquals("blocks.10.attn.hook_z", HookPoint.resolve("blocks.-2.attn.hook_z", L));
        assertEquals("blocks.4.hook_mlp_out", HookPoint.resolve("BLOCKS.4.HOOK_MLP_OUT", L));
        assertEquals(HookPoint.LOGITS, HookPoint.resolve("logits", L));
        assertEquals(HookPoint.EMBED, HookPoint.resolve("hook_embed", L));
    }

    @Test
    void badNamesSayWhatIsValid() {
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> HookPoint.resolve("q12", L));
        assertTrue(range.getMessage().contains("0..11"), range.getMessage());
        IllegalArgumentException noLayer = assertThrows(IllegalArgumentException.class, () -> HookPoint.resolve("pattern", L));
        assertTrue(noLayer.getMessage().contains("needs a layer"), noLayer.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HookPoint.resolve("blocks.1.attn.hook_nope", L));
        assertThrows(IllegalArgumentException.class, () -> HookPoint.resolve("", L));
        assertThrows(IllegalArgumentException.class, () -> HookPoint.resolve("q-13", L));
        assertThrows(IllegalArgumentException.class, () -> HookPoint.resolve("q99999999999999999999", L));
    }

    @Test
    void allListsEveryPointOnceInForwardOrder() {
        List<String> all = HookPoint.all(2);
        assertEquals(2 + 2 * HookPoint.BLOCK_POINTS.size() + 2, all.size());
        assertEquals(HookPoint.EMBED, all.get(0));
        assertEquals("blocks.0.hook_resid_pre", all.get(2));
        assertEquals(HookPoint.LOGITS, all.get(all.size() - 1));
        assertEquals(1, HookPoint.layerOf("blocks.1.attn.hook_v"));
        assertEquals(-1, HookPoint.layerOf(HookPoint.LN_FINAL));
    }
}
