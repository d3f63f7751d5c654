package jlens.repl;

import jlens.model.Gpt2;
import jlens.model.Gpt2Processing;

/** Turns what the user typed after {@code load} (a name, a repo id, a folder) into a loaded model. */
@FunctionalInterface
public interface ModelSource {
    /**
     * @param spec    the name or folder
     * @param session for progress output and cancellation
     */
    Loaded load(String spec, Session session) throws Exception;

    /**
     * The model with its weights processed by {@code processing} ({@code load NAME --process tl}). This default loads it
     * and processes a copy, leaving the loaded model as the source handed it out (a source of shared models keeps
     * them); {@link Models#source} processes at load instead.
     */
    default Loaded load(String spec, Session session, Gpt2Processing processing) throws Exception {
        Loaded raw = load(spec, session);
        if (processing == raw.model().processing()) {
            return raw;
        }
        return new Loaded(raw.model().processed(processing), raw.name(), raw.note());
    }

    /**
     * A loaded model and how to name it.
     *
     * @param model the model
     * @param name  the name to show ({@code gpt2}, a folder)
     * @param note  a line for the banner (the known-answer model's circuits), or null
     */
    record Loaded(Gpt2 model, String name, String note) {}
}
