package jlens.workspace;

import ai.djl.ndarray.NDArray;
import jlens.hook.ActivationCache;
import jlens.model.Gpt2;

/** The last forward pass: its logits and captured activations, owned here until the next run replaces them. */
final class LastRun implements AutoCloseable {
    private Gpt2.Run run;

    boolean present() {
        return run != null;
    }

    Gpt2.Run get() {
        return run;
    }

    void replace(Gpt2.Run next) {
        close();
        run = next;
    }

    ActivationCache cache(boolean anythingHooked) {
        if (run == null) {
            throw new MissingStateException(anythingHooked ? "hooks are set but nothing has been run yet; type 'run'"
                    : "nothing has been run yet; hook something ('hook layer all') and 'run'");
        }
        return run.cache();
    }

    NDArray logits() {
        return run.logits();
    }

    @Override
    public void close() {
        if (run != null) {
            run.close();
            run = null;
        }
    }
}
