package jlens.store;

import java.nio.file.Path;

/**
 * A model folder ready for the loader: it holds {@code config.json}, {@code model.safetensors} and
 * {@code tokenizer.json} (plus the optional tokenizer files when the source had them).
 *
 * @param dir      the folder (a Hugging Face snapshot folder, a user folder, or the known-answer model in jlens's cache)
 * @param spec     the spec as the user would type it again ({@code gpt2}, {@code org/name@rev}, a path)
 * @param source   where the files came from
 * @param revision the commit hash for hub models, or null for local and bundled models
 * @param note     why this model was chosen when it is not what was asked for (the known-answer model as a fallback), else null
 */
public record ResolvedModel(Path dir, String spec, Source source, String revision, String note) {

    public ResolvedModel(Path dir, String spec, Source source, String revision) {
        this(dir, spec, source, revision, null);
    }

    /** True when this is the bundled known-answer model, whose weights are set by hand. */
    public boolean isBundled() {
        return source == Source.BUNDLED;
    }

    /**
     * One line for the start-up banner; for the known-answer model it says that the weights are hand-set, what is
     * wired where, and how to get real GPT-2.
     */
    public String bannerLine() {
        if (isBundled()) {
            String why = note == null ? "" : " (" + note + ")";
            return "known-answer model with hand-set weights" + why + ": " + KnownModelWriter.CIRCUITS.describe()
                    + "; for real GPT-2, `load gpt2` on a networked machine or copy it into the Hugging Face cache";
        }
        String rev = revision == null ? "" : " @" + revision.substring(0, Math.min(10, revision.length()));
        return "model " + spec + rev + " (" + source.name().toLowerCase(java.util.Locale.ROOT) + ": " + dir + ")";
    }
}
