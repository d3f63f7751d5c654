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

    /** Swaps in {@code next}; closes the previous model if it was owned and is not the same one. */
    void replace(Gpt2 next, String nextName, String nextNote, boolean nextOwned) {
        Gpt2 old = model;
        boolean ownedOld = owned;
        model = next;
        owned = nextOwned;
        name = nextName;
        note = nextNote;
        if (old != null && ownedOld && old != next) {
            old.close();
        }
    }

    @Override
    public void close() {
        if (model != null && owned) {
            model.close();
        }
        model = null;
    }
}
