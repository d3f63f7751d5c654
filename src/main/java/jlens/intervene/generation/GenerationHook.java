package jlens.intervene.generation;

import ai.djl.ndarray.NDArray;

/**
 * A hook that knows which sequence positions its activation holds, so that an intervention at a position
 * means the same with a key/value cache as without: in a full pass {@code start} is 0 and the activation covers
 * every position; in a cached generation step it covers only the new position(s) {@code start..start+T-1}.
 * Like {@link jlens.hook.Hook} it returns {@code null} or a replacement of the same shape, and never edits in
 * place.
 */
@FunctionalInterface
public interface GenerationHook {
    NDArray apply(String name, NDArray activation, int start);
}
