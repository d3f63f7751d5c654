package jlens.store;

import java.nio.file.Path;

/**
 * A model folder ready for the loader: it holds {@code config.json}, {@code model.safetensors} and
 * {@code tokenizer.json} (plus the optional tokenizer files when the source had them).
 *
 * @param dir      the folder (a Hugging Face snapshot folder, a user folder, or the extracted demo model)
 * @param spec     the spec as the user would type it again ({@code gpt2}, {@code org/name@rev}, a path)
 * @param source   where the files came from
 * @param revision the commit hash for hub models, or null for local and bundled models
 * @param note     why this model was chosen when it is not what was asked for (the demo fallback), else null
 */
public record ResolvedModel(Path dir, String spec, Source source, String revision, String note) {

    public ResolvedModel(Path dir, String spec, Source source, String revision) {
        this(dir, spec, source, revision, null);
    }

    /** True when this is the bundled demo model, whose weights are random. */
    public boolean isDemo() {
        return source == Source.BUNDLED;
    }

    /** One line for the start-up banner; says plainly when the weights are random and how to get real ones. */
    public String bannerLine() {
        if (isDemo()) {
            String why = note == null ? "" : " (" + note + ")";
            return "demo model with random weights" + why + "; get the real one with `load gpt2` on a networked"
                    + " machine or copy it into the Hugging Face cache";
        }
        String rev = revision == null ? "" : " @" + revision.substring(0, Math.min(10, revision.length()));
        return "model " + spec + rev + " (" + source.name().toLowerCase(java.util.Locale.ROOT) + ": " + dir + ")";
    }
}
