package jlens.intervene;

/** Told how far a sweep has come, from the sweeping thread; must return quickly. */
@FunctionalInterface
public interface SweepProgress {
    SweepProgress NONE = (done, total) -> {};

    /**
     * @param done steps finished (a layer of a batch on the fast path, a case on the naive one)
     * @param total steps in the whole sweep
     */
    void update(int done, int total);
}
