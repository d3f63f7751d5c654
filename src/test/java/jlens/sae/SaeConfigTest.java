package jlens.sae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cfg.json in both of SAELens's layouts, read as SAELens reads it (the older one as handle_pre_6_0_config converts it),
 * and what jlens cannot honour refused in one line naming the field.
 */
class SaeConfigTest {
    @TempDir
    Path tmp;

    SaeConfig read(String json) throws Exception {
        Path f = tmp.resolve("cfg" + System.nanoTime() + ".json");
        Files.writeString(f, json);
        return SaeConfig.read(f, Double.NaN);
    }

    String refusal(String json) {
        SaeLoadException e = assertThrows(SaeLoadException.class, () -> read(json));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void theOlderLayoutIsConvertedAsSaeLensConvertsIt() throws Exception {
        SaeConfig c = read("""
                {"hook_point": "blocks.3.attn.hook_z", "hook_point_head_index": null, "d_in": 64, "d_sae": 100,
                 "activation_fn_str": "topk", "activation_fn_kwargs": {"k": 7}, "normalize_activations": false,
                 "model_name": "gpt2-small", "sae_lens_training_version": "3.13.0"}""");
        assertTrue(c.pre6());
        assertEquals("blocks.3.attn.hook_z", c.hookName());
        assertEquals(SaeConfig.Architecture.TOPK, c.architecture());
        assertEquals(7, c.k());
        assertEquals(SaeConfig.Normalization.NONE, c.normalize());
        assertTrue(c.prependBos(), "prepend_bos defaults to true");
        assertTrue(c.applyBDecToInput(), "apply_b_dec_to_input defaults to true");
        assertTrue(c.reshapeHookZ(), "a hook_z hook reshapes");
        assertEquals("gpt2-small", c.modelName());
        assertEquals(-1, c.hookHeadIndex());
        assertTrue(refusal("""
                {"hook_point": "blocks.3.hook_resid_pre", "d_in": 8, "d_sae": 16, "activation_fn_str": "tanh-relu"}""")
                .contains("field 'activation_fn_str' is 'tanh-relu'"));
        assertTrue(refusal("""
                {"hook_point": "blocks.3.hook_resid_pre", "d_in": 8, "d_sae": 16, "normalize_activations": true}""")
                .contains("field 'normalize_activations' is expected_average_only_in"));
    }

    @Test
    void sixReadsTheModelsSideFromMetadata() throws Exception {
        SaeConfig c = read("""
                {"d_in": 8, "d_sae": 16, "architecture": "jumprelu", "apply_b_dec_to_input": false,
                 "normalize_activations": "layer_norm", "reshape_activations": "none",
                 "metadata": {"sae_lens_version": "6.5.1", "hook_name": "blocks.0.hook_resid_post", "hook_head_index": null,
                   "model_name": "gpt2", "prepend_bos": false, "context_size": 128,
                   "model_from_pretrained_kwargs": {"center_writing_weights": true, "fold_ln": false}}}""");
        assertFalse(c.pre6());
        assertEquals(SaeConfig.Architecture.JUMPRELU, c.architecture());
        assertEquals(SaeConfig.Normalization.LAYER_NORM, c.normalize());
        assertFalse(c.prependBos());
        assertEquals(128, c.contextSize());
        assertEquals(Map.of("center_writing_weights", true, "fold_ln", false), c.processing());
        assertTrue(refusal("""
                {"d_in": 8, "d_sae": 16, "metadata": {"sae_lens_version": "6.0.0", "hook_name": "blocks.0.hook_resid_post"}}""")
                .contains("field 'architecture' is missing"));
        assertTrue(refusal("""
                {"d_in": 8, "d_sae": 16, "architecture": "standard", "metadata": {"sae_lens_version": "6.0.0"}}""")
                .contains("field 'metadata.hook_name' is missing"));
    }

    @Test
    void whatJlensCannotHonourIsRefusedNamingTheField() {
        String v6 = "\"metadata\": {\"sae_lens_version\": \"6.1.0\", \"hook_name\": \"blocks.0.hook_resid_pre\"}";
        assertTrue(refusal("{\"d_in\": 8, \"d_in\": 8, \"d_sae\": 4, \"architecture\": \"standard\", " + v6 + "}")
                .contains("field 'd_in' appears twice"));
        assertTrue(refusal("{\"d_in\": \"8\", \"d_sae\": 4, \"architecture\": \"standard\", " + v6 + "}")
                .contains("field 'd_in' must be a whole number"));
        assertTrue(refusal("{\"d_in\": 8, \"d_sae\": 4, \"architecture\": \"transcoder\", " + v6 + "}")
                .contains("field 'architecture' is 'transcoder'"));
        assertTrue(refusal("{\"d_in\": 8, \"d_sae\": 4, \"architecture\": \"topk\", \"k\": 9, " + v6 + "}")
                .contains("field 'k' is 9; TopK's k must be 1..4"));
        assertTrue(refusal("{\"d_in\": 8, \"d_sae\": 4, \"architecture\": \"standard\", \"normalize_activations\": \"batch\", "
                + v6 + "}").contains("field 'normalize_activations'"));
        assertTrue(refusal("{\"d_in\": 8, \"d_sae\": 4, \"architecture\": \"standard\", \"reshape_activations\": \"hook_z\", "
                + v6 + "}").contains("field 'reshape_activations' is hook_z but the hook is"));
        assertTrue(refusal("{\"d_in\": 8, \"d_sae\": 4, \"architecture\": \"standard\", \"metadata\": {\"sae_lens_version\":"
                + " \"six\", \"hook_name\": \"x\"}}").contains("field 'sae_lens_version'"));
        assertTrue(refusal("{\"d_in\": 8, \"d_sae\": 4} trailing").contains("malformed JSON"));
        assertTrue(refusal("{\"hook_point\": \"blocks.0.hook_resid_pre\\u001b[2J\", \"d_in\": 8, \"d_sae\": 4}")
                .contains("\\u001b"), "hostile text is escaped");
    }
}
