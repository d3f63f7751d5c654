package jlens.repl;

import jlens.model.Gpt2;

/** Turns what the user typed after {@code load} (a name, a repo id, a folder) into a loaded model. */
@FunctionalInterface
public interface ModelSource {
    /**
     * @param spec    the name or folder
     * @param session for progress output and cancellation
     */
    Loaded load(String spec, Session session) throws Exception;

    /**
     * A loaded model and how to name it.
     *
     * @param model the model
     * @param name  the name to show ({@code gpt2}, a folder)
     * @param note  a line for the banner (the known-answer model's circuits), or null
     */
    record Loaded(Gpt2 model, String name, String note) {}
}
