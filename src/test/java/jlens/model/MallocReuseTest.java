package jlens.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What {@link NativeSettings}' malloc settings are for: a block the size of a dense layer's weight (oneDNN
 * reorders one per product, from whatever thread runs it) freed and asked for again comes back without being
 * faulted in again. Without the top pad glibc deleted the thread arena's extra heap on every free, so a batch
 * of 8 prompts on gpt2-large faulted 1.2 GB per pass (298,000 page faults, 5.4-6.9 s instead of 2.0-2.4 s).
 */
class MallocReuseTest {
    private static final long BLOCK = 26L << 20; // c_fc of gpt2-large: 1280 x 5120 floats

    @Test
    void aFreedDenseLayerSizedBlockIsReusedWithoutFaultingItInAgain() throws Exception {
        NativeSettings.apply();
        assumeTrue(NativeSettings.mallocTuned(), "glibc's mallopt, not set by the environment");
        AtomicLong again = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = new Thread(() -> { // a fresh thread, as the engine's own threads are
            try {
                long[] held = new long[3]; // three blocks cannot share one 64 MiB thread heap: the third opens another
                for (int i = 0; i < held.length; i++) {
                    held[i] = touched(Native.malloc(BLOCK));
                }
                Native.free(held[2]);
                long f0 = minorFaults();
                held[2] = touched(Native.malloc(BLOCK)); // the same size again
                again.set(minorFaults() - f0);
                for (long p : held) {
                    Native.free(p);
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.start();
        t.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        long pages = BLOCK / 4096;
        assertTrue(again.get() < pages / 4, "the block came back faulting " + again.get() + " of its " + pages
                + " pages in again: freed memory went back to the kernel");
    }

    private static long touched(long address) {
        assertTrue(address != 0, "malloc failed");
        new Pointer(address).setMemory(0, BLOCK, (byte) 1);
        return address;
    }

    /** This thread's minor page faults ({@code /proc/thread-self/stat}, field 10). */
    private static long minorFaults() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[7]);
    }
}
