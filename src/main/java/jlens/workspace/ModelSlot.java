package jlens.workspace;

import jlens.model.Gpt2;

/** The workspace's model: which one, whether the workspace owns (closes) it, and whether the user chose it. */
final class ModelSlot implements AutoCloseable {
    private Gpt2 model;
    private boolean owned;
    private String name;
    private String note;
    private boolean chosen; // named by --model or JLENS_MODEL: scripts' preferences give way to it

    Gpt2 get() {
        if (model == null) {
            throw new MissingStateException("no model loaded; use 'load gpt2' or 'load DIR'");
        }
        return model;
    }

    boolean present() {
        return model != null;
    }

    String name() {
        return name;
    }

    String note() {
        return note;
    }

    boolean chosen() {
        return chosen;
    }

    void chosen(boolean on) {
        chosen = on;
    }

    /** Why a script's preferred {@code spec} gives way to this model (chosen by the user, or {@code spec} not here). */
    java.util.Optional<String> keepReason(String spec) {
        if (chosen && model != null) {
            return java.util.Optional.of("using " + name + " (chosen on the command line) rather than " + spec);
        }
        if (!ModelCatalog.isCached(spec)) {
            return java.util.Optional.of(spec + " is not on this machine; staying with " + (model != null ? name : "no model")
                    + " ('load " + spec + "' downloads it)");
        }
        return java.util.Optional.empty();
    }

    /**
     * Swaps in {@code next}; returns the previous model if it was owned and is not the same one, for the caller to
     * close once nothing uses it any more (else null).
     */
    Gpt2 replace(Gpt2 next, String nextName, String nextNote, boolean nextOwned) {
        Gpt2 old = model;
        boolean ownedOld = owned;
        model = next;
        owned = nextOwned;
        name = nextName;
        note = nextNote;
        return old != null && ownedOld && old != next ? old : null;
    }

    /** Empties the slot; returns the model if it was owned, for the caller to close (else null). */
    Gpt2 release() {
        Gpt2 old = model != null && owned ? model : null;
        model = null;
        return old;
    }

    @Override
    public void close() {
        Gpt2 old = release();
        if (old != null) {
            old.close();
        }
    }
}
