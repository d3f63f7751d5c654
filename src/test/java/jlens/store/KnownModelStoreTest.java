package jlens.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jlens.model.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The known-answer model in the user's cache: written once, reused, rewritten when damaged, never half there. */
class KnownModelStoreTest {
    @TempDir
    Path tmp;

    @Test
    void writtenOnceReusedAndRepairedWhenDamaged() throws Exception {
        ModelStore store = Fixtures.store(Fixtures.env(tmp, null));
        ResolvedModel m = store.bundled(null);
        assertTrue(m.isBundled());
        assertTrue(m.dir().startsWith(tmp.resolve("xdg-cache/jlens")), m.dir().toString());
        assertEquals("known-model-" + KnownModel.VERSION, m.dir().getFileName().toString());
        assertTrue(ModelFiles.complete(m.dir()));
        assertEquals(KnownModelWriter.CIRCUITS, KnownCircuits.read(m.dir()));
        byte[] weights = Files.readAllBytes(m.dir().resolve("model.safetensors"));
        long mtime = Files.getLastModifiedTime(m.dir().resolve("model.safetensors")).toMillis();

        assertEquals(m.dir(), store.bundled(null).dir());
        assertEquals(mtime, Files.getLastModifiedTime(m.dir().resolve("model.safetensors")).toMillis(), "reused");

        Files.write(m.dir().resolve("model.safetensors"), new byte[10]); // a crash or a user mid-copy
        assertEquals(m.dir(), store.bundled(null).dir());
        assertArrayEquals(weights, Files.readAllBytes(m.dir().resolve("model.safetensors")));
        assertEquals(List.of(), Files.list(tmp.resolve("xdg-cache/jlens")).map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith(".")).toList(), "no temporary folders left behind");
        assertEquals(m.dir(), store.resolve("known").dir());
        assertEquals(m.dir(), store.resolve("demo").dir());
        assertTrue(m.bannerLine().contains("hand-set") && m.bannerLine().contains("load gpt2"), m.bannerLine());
    }

    @Test
    void theWritersOutputHashesToTheConstantItIsCheckedWith() throws Exception {
        Path dir = tmp.resolve("written");
        KnownModelWriter.write(dir);
        assertEquals(KnownModel.SHA256, KnownModel.hash(dir).orElseThrow(),
                "the writer's output changed: set KnownModel.SHA256 to the new value and bump KnownModel.VERSION");
        Files.writeString(dir.resolve("unrelated.txt"), "a file the model does not read is not part of it");
        assertTrue(KnownModel.verified(dir));
        Files.delete(dir.resolve(KnownCircuits.FILE));
        assertTrue(!KnownModel.verified(dir), "a missing file fails the check");
    }

    @Test
    void aFolderWithoutItsSizeListIsNotTakenAsComplete() throws Exception {
        Path dir = tmp.resolve("known-model-" + KnownModel.VERSION);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{}");
        assertTrue(!KnownModel.verified(dir));
        assertEquals(dir, KnownModel.ensureIn(tmp));
        assertTrue(KnownModel.verified(dir));
    }

    @Test
    void halfConversionRoundsToNearestEven() {
        assertEquals(0x3c00, SafetensorsWriter.toHalf(1f) & 0xffff);
        assertEquals(0xc000, SafetensorsWriter.toHalf(-2f) & 0xffff);
        assertEquals(0x7bff, SafetensorsWriter.toHalf(65504f) & 0xffff);
        assertEquals(0x7c00, SafetensorsWriter.toHalf(70000f) & 0xffff);
        assertEquals(0x0001, SafetensorsWriter.toHalf((float) Math.pow(2, -24)) & 0xffff);
        assertEquals(0x0000, SafetensorsWriter.toHalf((float) Math.pow(2, -26)) & 0xffff);
        assertEquals(0x3c00, SafetensorsWriter.toHalf(1f + (float) Math.pow(2, -11)) & 0xffff, "tie goes to even");
        assertEquals(0x3c02, SafetensorsWriter.toHalf(1f + 3 * (float) Math.pow(2, -11)) & 0xffff, "tie goes to even");
        for (float v : new float[] {0.02f, -0.0137f, 1e-5f, 3.14159f, 1386.2f}) {
            assertEquals(v, KnownModelReference.half(SafetensorsWriter.toHalf(v)), Math.abs(v) / 1000 + 1e-7);
        }
    }
}
