package jlens.workspace;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashSet;
import java.util.Set;
import jlens.hook.ActivationCache;
import jlens.model.Gpt2;

/**
 * The last forward pass: its logits and captured activations, owned here until the next run replaces them, and
 * the threads its arrays were handed out to. A replaced run that another live thread took arrays from is not
 * closed under that thread's native calls: it is retired ({@link Retired}) until that thread calls into the
 * workspace again or ends.
 *
 * <p>Not thread-safe: the workspace calls it under its own lock.
 */
final class LastRun implements AutoCloseable {
    private Gpt2.Run run;
    private final Set<Thread> holders = new LinkedHashSet<>();
    private final Retired retired = new Retired();

    boolean present() {
        return run != null;
    }

    Gpt2.Run get() {
        return run;
    }

    /** Notes that the calling thread was given arrays of the current run (a handout method calls this). */
    void handedOut() {
        if (run != null) {
            holders.add(Thread.currentThread());
        }
    }

    /** Replaces the run: the old one is closed now, or retired while another live thread holds its arrays. */
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

    /** Closes the retired runs the calling thread held, and those whose holders all ended (a workspace entry). */
    void reap() {
        retired.reap();
    }

    /**
     * Closes {@code resource} (a model let go of) after every retired run and after the threads that took it
     * ({@code takers}): now if none waits, else once each of them came back or ended.
     */
    void retireAfterRuns(AutoCloseable resource, Set<Thread> takers) {
        Set<Thread> waitFor = new LinkedHashSet<>(retired.holders());
        waitFor.addAll(takers);
        retired.retire(resource, waitFor);
    }

    /** Retired runs not yet closed. */
    int retiredCount() {
        return retired.size();
    }

    /** Drops the current run: closed now, or retired while another live thread holds its arrays. */
    @Override
    public void close() {
        if (run != null) {
            Gpt2.Run old = run;
            run = null;
            retired.retire(old, holders);
            holders.clear();
        }
    }
}
