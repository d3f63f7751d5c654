package jlens.model;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.List;
import jlens.sys.Environment;

/**
 * Two process-wide settings of the native memory the engine allocates, made once, before the first pass, through
 * libc (JNA, which DJL ships). Each keeps a value the user set in the environment.
 *
 * <p>oneDNN's primitive cache: {@link Dense} runs the dense layers as oneDNN convolutions, and oneDNN keeps each
 * shape's primitive with its buffers (about 4 MB for a GPT-2-large layer), up to 1024 by default: products over
 * many row counts (texts of many lengths, patching batches, prompt sets) grew a process by 3.2 GB over 192 row
 * counts, and kept it (bounded to 32, the same 192 row counts run twice grew it by 250 MB). oneDNN reads {@value #CACHE_VARIABLE} once, when it makes its first primitive, and only
 * from the process environment, so it is set there with {@code setenv}.
 *
 * <p>glibc's malloc: PyTorch's CPU allocator mallocs and frees every tensor, and glibc gives freed memory above
 * its trim threshold back to the kernel and serves blocks above its adaptive mmap threshold with fresh
 * mappings, so each pass faulted its buffers in again: activation patching on gpt2-large spent 50 s of 190 in
 * the kernel. A fixed 32 MiB mmap threshold (glibc's largest) and a 1 GiB trim threshold keep freed blocks for
 * the next pass ({@code mallopt}): {@code patch heads} 117.7 s became 69.3 s at the same peak memory. Neither
 * reaches the heaps of glibc's per-thread arenas (64 MiB each): a heap left empty by a free was deleted at once
 * unless the top pad exceeds what the arena still has room for, and oneDNN reorders a copy of every weight matrix
 * it multiplies (20-26 MB on gpt2-large) from whichever thread runs the product, so a batch of 8 prompts faulted
 * 1.2 GB in again per pass (298,000 faults, 5.4-6.9 s instead of 2.0-2.4 s) once the arenas had filled. A
 * 128 MiB top pad (two heaps' worth) keeps them. The pad itself is only address space, but what it keeps is not
 * handed back: after a batch the resident size stays at the batch's peak (the peak itself did not grow).
 */
final class NativeSettings {
    static final String CACHE_VARIABLE = "ONEDNN_PRIMITIVE_CACHE_CAPACITY";
    /** Primitives kept: a pass needs four per row count (the four dense layers), so eight row counts stay hot. */
    static final int CACHE_CAPACITY = 32;
    static final int MMAP_THRESHOLD = 32 << 20;
    static final int TRIM_THRESHOLD = 1 << 30;
    static final int TOP_PAD = 128 << 20;
    /** Environment variables that set glibc's malloc: when any is set, the user's settings are kept whole. */
    static final List<String> MALLOC_VARIABLES =
            List.of("GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_");
    private static final int M_TRIM_THRESHOLD = -1; // glibc's malloc.h
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;

    /** First, before JNA loads: the environment's problems, and the settings it makes for the engine and JNA. */
    private static final List<String> ENVIRONMENT_PROBLEMS = Environment.atStart();
    private static final java.util.concurrent.atomic.AtomicBoolean ENVIRONMENT_SAID = new java.util.concurrent.atomic.AtomicBoolean();
    private static final boolean CACHE_BOUNDED = boundCache();
    private static final boolean MALLOC_TUNED = tuneMalloc();

    private NativeSettings() {}

    /**
     * Makes both settings (once); call before the engine runs anything. Also the engine's thread count from the
     * environment ({@link Environment#atStart}), for a JShell or Java API user whose process did not start through
     * jlens's command line, which did that already: a bad value there is said on standard error, once.
     */
    static void apply() {
        // the static fields are set when the class is first used
        if (!ENVIRONMENT_SAID.getAndSet(true)) {
            for (String problem : ENVIRONMENT_PROBLEMS) {
                System.err.println("jlens: " + problem);
            }
        }
    }

    /** True once oneDNN's cache capacity is set (by the user or here). */
    static boolean cacheBounded() {
        return CACHE_BOUNDED;
    }

    /** True when the malloc thresholds and top pad were set here, false when the user's environment sets malloc or libc has no mallopt. */
    static boolean mallocTuned() {
        return MALLOC_TUNED;
    }

    /** The cache capacity in the process environment (what oneDNN reads), or null. */
    static String cacheCapacityInEnvironment() {
        try {
            return LibC.INSTANCE.getenv(CACHE_VARIABLE);
        } catch (Throwable e) { // no JNA native support on this platform: nothing was set either
            return null;
        }
    }

    private static boolean boundCache() {
        if (System.getenv(CACHE_VARIABLE) != null) {
            return true;
        }
        try {
            return LibC.INSTANCE.setenv(CACHE_VARIABLE, Integer.toString(CACHE_CAPACITY), 0) == 0;
        } catch (Throwable e) { // JNA cannot load here: Dense keeps to the few row counts whose primitives stay small
            return false;
        }
    }

    private static boolean tuneMalloc() {
        if (MALLOC_VARIABLES.stream().anyMatch(name -> System.getenv(name) != null)) {
            return false;
        }
        try {
            LibC c = LibC.INSTANCE;
            return c.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 && c.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
                    && c.mallopt(M_TOP_PAD, TOP_PAD) == 1;
        } catch (Throwable e) { // not glibc (no mallopt): its allocator keeps its own ways
            return false;
        }
    }

    private interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int setenv(String name, String value, int overwrite);

        String getenv(String name);

        int mallopt(int param, int value);
    }
}
