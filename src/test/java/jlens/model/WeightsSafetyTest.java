package jlens.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import jlens.Fixture;
import jlens.hook.HookPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weights are read-only pages of the file: nothing the API hands out may write to them (a write is a SIGSEGV),
 * and a file changed on disk is refused before the next pass reads it (a truncated mapping is a SIGBUS). The
 * crashing variants run in a child JVM in {@code jlens.robust.CrashSurvivalTest}; these are the in-process checks.
 */
class WeightsSafetyTest {
    @TempDir
    Path tmp;

    private Path copyOfFixture() throws IOException {
        Path dir = CheckpointFiles.copyWithoutWeights(Fixture.dir(), tmp.resolve("model"));
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    @Test
    void parametersAreHandedOutAsCopies() {
        try (Gpt2 model = Gpt2.load(Fixture.dir()); NDManager m = NDManager.newBaseManager()) {
            float[] before = model.forward(Fixture.tokenIds(), m).toFloatArray();
            assertTrue(model.weights().names().contains("h.2.attn.c_attn.weight"));
            for (String name : model.weights().names()) {
                NDArray copy = model.weights().copy(name, m);
                assertEquals(model.weights().shape(name), copy.getShape());
                copy.muli(0f).addi(3f); // in place, on the copy
            }
            assertArrayEquals(before, model.forward(Fixture.tokenIds(), m).toFloatArray(), 0f);
            assertThrows(IllegalArgumentException.class, () -> model.weights().copy("nope", m));
        }
    }

    @Test
    void everyCapturedActivationCanBeWrittenInPlace() {
        try (Gpt2 model = Gpt2.load(Fixture.dir()); NDManager m = NDManager.newBaseManager()) {
            float[] before = model.forward(Fixture.tokenIds(), m).toFloatArray();
            List<String> all = HookPoint.all(model.config().nLayer());
            try (Gpt2.Run run = model.run(Fixture.tokenIds(), all)) {
                for (String name : all) {
                    run.cache().get(name).addi(1f); // a view of a weight here would be a write to read-only pages
                }
            }
            assertArrayEquals(before, model.forward(Fixture.tokenIds(), m).toFloatArray(), 0f, "the model is unchanged");
        }
    }

    @Test
    void aFileRewrittenInPlaceIsRefusedBeforeThePass() throws IOException {
        Path dir = copyOfFixture();
        Path file = dir.resolve("model.safetensors");
        try (Gpt2 model = Gpt2.load(dir); NDManager m = NDManager.newBaseManager()) {
            model.forward(Fixture.tokenIds(), m);
            // same size, same inode, new bytes at the end (a weight), new time: as a script saving in place does
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), ch.size() - 4);
            }
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
            WeightsChangedException e = assertThrows(WeightsChangedException.class, () -> model.forward(Fixture.tokenIds(), m));
            assertFalse(e.getMessage().contains("\n"));
            assertTrue(e.getMessage().contains("was rewritten") && e.getMessage().contains("load the model again"), e.getMessage());
            assertThrows(WeightsChangedException.class, () -> model.run(Fixture.tokenIds(), List.of("hook_embed")).close());
        }
        try (Gpt2 again = Gpt2.load(dir); NDManager m = NDManager.newBaseManager()) {
            assertEquals(Fixture.tokenIds().length, again.forward(Fixture.tokenIds(), m).getShape().get(1));
        }
    }

    @Test
    void aFileReplacedOrDeletedIsRefused() throws IOException {
        Path dir = copyOfFixture();
        Path file = dir.resolve("model.safetensors");
        try (Gpt2 model = Gpt2.load(dir); NDManager m = NDManager.newBaseManager()) {
            Path other = tmp.resolve("other.safetensors");
            Files.copy(file, other);
            Files.move(other, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertTrue(assertThrows(WeightsChangedException.class, () -> model.forward(Fixture.tokenIds(), m))
                    .getMessage().contains("was replaced"));
            Files.delete(file);
            assertTrue(assertThrows(WeightsChangedException.class, () -> model.forward(Fixture.tokenIds(), m))
                    .getMessage().contains("was deleted"));
        }
    }
}
