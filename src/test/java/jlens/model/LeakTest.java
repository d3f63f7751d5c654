package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jlens.Fixture;
import jlens.hook.Hooks;
import org.junit.jupiter.api.Test;

/** Hundreds of passes with caching and hooks leave native memory and the model's NDArray count flat. */
class LeakTest {
    @Test
    void repeatedCachedAndHookedPassesDoNotGrow() throws IOException {
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            BaseNDManager manager = (BaseNDManager) model.manager();
            long[] ids = Fixture.tokenIds();
            List<String> capture = List.of("qkv0", "qkv1", "qkv2", "pattern 1", "z2");
            for (int i = 0; i < 50; i++) {
                onePass(model, ids, capture);
            }
            int arraysBefore = manager.getManagedArrays().size();
            long nativeBefore = nativeKb();
            for (int i = 0; i < 300; i++) {
                onePass(model, ids, capture);
            }
            int arraysAfter = manager.getManagedArrays().size();
            long nativeAfter = nativeKb();
            assertEquals(arraysBefore, arraysAfter, "NDArrays owned by the model");
            // Each pass makes about 7 MB of logits and captures: a leak of either would be gigabytes here.
            long growthKb = nativeAfter - nativeBefore;
            assertTrue(growthKb < 48 * 1024, "memory outside the Java heap grew by " + growthKb + " KiB over 300 passes");
        }
    }

    private static void onePass(Gpt2 model, long[] ids, List<String> capture) {
        try (Hooks.Scope scope = model.hooks().scope()) {
            scope.add("z1", (name, z) -> z.mul(0.5f));
            try (Gpt2.Run run = model.run(ids, capture)) {
                run.cache().get("qkv1").sum().getFloat();
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            model.forward(ids, m);
        }
    }

    /** Resident memory less the committed Java heap, which grows and shrinks with garbage, not with leaks. */
    static long nativeKb() throws IOException {
        System.gc();
        return residentKb() - Runtime.getRuntime().totalMemory() / 1024;
    }

    static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
