package jlens.model;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Bounds oneDNN's cache of compiled primitives. {@link Dense} runs the dense layers as oneDNN convolutions, and
 * oneDNN keeps each shape's primitive with its buffers (about 4 MB for a GPT-2-large layer), up to 1024 of them
 * by default: products over many row counts (texts of many lengths, patching batches, prompt sets) grew a process
 * by 3.2 GB over 192 row counts, and kept it. oneDNN reads {@value #VARIABLE} once, when it makes its first
 * primitive, and only from the process environment, so it is set there (libc's {@code setenv}, through the JNA
 * that DJL ships) before the first pass. A value the user set is kept.
 */
final class OneDnnCache {
    static final String VARIABLE = "ONEDNN_PRIMITIVE_CACHE_CAPACITY";
    /** Primitives kept: a pass needs four per row count (the four dense layers), so eight row counts stay hot. */
    static final int CAPACITY = 32;

    private static final boolean BOUNDED = bound();

    private OneDnnCache() {}

    /** True once the capacity is set (by the user or here), before any oneDNN primitive was made by this class's callers. */
    static boolean bounded() {
        return BOUNDED;
    }

    /** The capacity in the process environment (what oneDNN reads), or null. */
    static String capacityInEnvironment() {
        try {
            return LibC.INSTANCE.getenv(VARIABLE);
        } catch (Throwable e) { // no JNA native support on this platform: nothing was set either
            return null;
        }
    }

    private static boolean bound() {
        if (System.getenv(VARIABLE) != null) {
            return true;
        }
        try {
            return LibC.INSTANCE.setenv(VARIABLE, Integer.toString(CAPACITY), 0) == 0;
        } catch (Throwable e) { // JNA cannot load here: Dense keeps to the few row counts whose primitives stay small
            return false;
        }
    }

    private interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int setenv(String name, String value, int overwrite);

        String getenv(String name);
    }
}
