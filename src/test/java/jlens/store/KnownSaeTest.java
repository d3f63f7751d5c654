package jlens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The known-answer model's SAE: written beside the verified known model at first use, deterministic (its hash is a
 * constant this test holds it to), trusted only when it hashes to that constant and otherwise replaced whole, and
 * refused for a folder that is not the known model.
 */
class KnownSaeTest {
    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void writeModel() throws Exception {
        model = tmp.resolve("cache").resolve("known-model-" + KnownModel.VERSION);
        KnownModelWriter.write(model);
    }

    @Test
    void writtenBesideTheModelAndHashedToItsConstant() throws Exception {
        Path sae = KnownSae.ensureBeside(model);
        assertEquals(model.getParent().resolve("known-sae-" + KnownSae.VERSION), sae);
        assertEquals(KnownSae.SHA256, KnownModel.hash(sae, KnownSae.FILES).orElseThrow(),
                "the SAE writer's output changed: set KnownSae.SHA256 to the new value and bump KnownSae.VERSION");
        long modified = Files.getLastModifiedTime(sae.resolve("cfg.json")).toMillis();
        assertEquals(sae, KnownSae.ensureBeside(model), "a verified folder is used as it is");
        assertEquals(modified, Files.getLastModifiedTime(sae.resolve("cfg.json")).toMillis());
    }

    @Test
    void aTamperedFolderIsReplacedWhole() throws Exception {
        Path sae = KnownSae.ensureBeside(model);
        Files.writeString(sae.resolve("cfg.json"), "{\"d_in\": 384, \"d_sae\": 1}");
        assertFalse(KnownSae.verified(sae));
        assertEquals(sae, KnownSae.ensureBeside(model));
        assertTrue(KnownSae.verified(sae), "written again");
    }

    @Test
    void onlyTheKnownModelHasIt() throws Exception {
        Path other = tmp.resolve("other");
        Files.createDirectories(other);
        ModelStoreException e = assertThrows(ModelStoreException.class, () -> KnownSae.ensureBeside(other));
        assertTrue(e.getMessage().contains("load known"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("known-sae-" + KnownSae.VERSION)), "nothing written");
    }

    @Test
    void featureNumbersFollowTheTokens() {
        assertEquals(5335, KnownSae.currentToken(5335));
        assertEquals(KnownSae.TOKENS + 5335, KnownSae.previousToken(5335));
        assertEquals(-1, KnownSae.currentToken(KnownSae.TOKENS));
        assertEquals(1.0f, KnownSae.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, KnownSae.halfToFloat((short) 0xc000));
        assertEquals(5.9604645e-8f, KnownSae.halfToFloat((short) 0x0001));
    }
}
