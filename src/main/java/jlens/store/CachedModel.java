package jlens.store;

import java.nio.file.Path;

/**
 * A GPT-2 model complete in the Hugging Face cache, for listing what can be loaded offline.
 *
 * @param spec    what to type to load it ({@code gpt2}, {@code org/name}, {@code org/name@v1}, {@code org/name@COMMIT})
 * @param repoId  the repository ({@code openai-community/gpt2})
 * @param commit  the snapshot's commit hash
 * @param dir     the snapshot folder
 * @param weightBytes the size of {@code model.safetensors}
 */
public record CachedModel(String spec, String repoId, String commit, Path dir, long weightBytes) {}
