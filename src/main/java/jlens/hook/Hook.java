package jlens.hook;

import ai.djl.ndarray.NDArray;

/**
 * A function called at a hook point during a forward pass. It may read the activation (to cache or measure it)
 * and return {@code null}, or return a replacement of the same shape (to ablate or patch). A hook must not
 * modify the activation in place: other hooks and the cache may hold the same storage.
 */
@FunctionalInterface
public interface Hook {
    /**
     * @param name the exact hook point name, such as {@code blocks.3.attn.hook_z}
     * @param activation the activation, owned by the forward pass
     * @return {@code null} to leave the activation as it is, or its replacement
     */
    NDArray apply(String name, NDArray activation);
}
