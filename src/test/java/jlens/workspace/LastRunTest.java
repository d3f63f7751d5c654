package jlens.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import jlens.hook.ActivationCache;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When a replaced run is closed: at once, or once every other thread that took its arrays came back or ended. */
class LastRunTest {
    private final NDManager base = NDManager.newBaseManager();
    private final List<Worker> workers = new ArrayList<>();

    @AfterEach
    void close() throws InterruptedException {
        for (Worker w : workers) {
            w.end();
        }
        base.close();
    }

    private Worker worker() {
        Worker w = new Worker();
        workers.add(w);
        return w;
    }

    /** A run of one array; its logits are the array a user would hold. */
    private Gpt2.Run run() {
        ActivationCache cache = new ActivationCache(base, 1);
        NDArray logits = cache.manager().create(new float[] {1, 2, 3});
        cache.put("blocks.0.hook_resid_pre", cache.manager().create(new float[] {4, 5}));
        return new Gpt2.Run(logits, cache);
    }

    private static boolean closed(Gpt2.Run r) {
        return r.logits().isReleased();
    }

    @Test
    void aRunOnlyThisThreadTookIsClosedWhenReplaced() {
        LastRun last = new LastRun();
        Gpt2.Run first = run();
        last.replace(first);
        last.handedOut();
        last.replace(run());
        assertTrue(closed(first));
        assertEquals(0, last.retiredCount());
        last.close();
    }

    @Test
    void aLiveHolderKeepsTheRunUntilItComesBack() throws Exception {
        LastRun last = new LastRun();
        Worker b = worker();
        Gpt2.Run first = run();
        last.replace(first);
        b.run(last::handedOut);
        last.replace(run()); // another thread's pass
        assertFalse(closed(first), "closed under the thread that holds its arrays");
        assertEquals(6f, b.call(() -> first.logits().sum().getFloat()));
        last.reap(); // an entry by a thread that never held it changes nothing
        assertFalse(closed(first));
        assertEquals(1, last.retiredCount());
        b.run(last::reap); // the holder enters the workspace: closed on its own thread
        assertTrue(closed(first));
        assertEquals(0, last.retiredCount());
        last.close();
    }

    @Test
    void aDeadHolderReleasesTheRunAtTheNextEntry() throws Exception {
        LastRun last = new LastRun();
        Worker b = worker();
        Gpt2.Run first = run();
        last.replace(first);
        b.run(last::handedOut);
        last.replace(run());
        assertFalse(closed(first));
        b.end();
        last.reap();
        assertTrue(closed(first));
        // and a holder that ended before the run was replaced does not keep it at all
        Worker c = worker();
        Gpt2.Run second = run();
        last.replace(second);
        c.run(last::handedOut);
        c.end();
        last.replace(run());
        assertTrue(closed(second));
        last.close();
    }

    @Test
    void aRunTwoThreadsTookWaitsForBoth() throws Exception {
        LastRun last = new LastRun();
        Worker b = worker();
        Worker c = worker();
        Gpt2.Run first = run();
        last.replace(first);
        b.run(last::handedOut);
        c.run(last::handedOut);
        last.close();
        b.run(last::reap);
        assertFalse(closed(first), "c may still be inside a native op on it");
        c.run(last::reap);
        assertTrue(closed(first));
    }

    @Test
    void aModelLetGoOfIsClosedAfterTheRunsThatHangFromIt() throws Exception {
        LastRun last = new LastRun();
        Worker b = worker();
        Gpt2.Run first = run();
        last.replace(first);
        b.run(last::handedOut);
        last.close();
        List<String> closedOrder = new ArrayList<>();
        last.retireAfterRuns(() -> closedOrder.add(closed(first) ? "model after the run" : "model before the run"), Set.of());
        assertTrue(closedOrder.isEmpty(), "the model waits for the holder of its run");
        b.run(last::reap);
        assertEquals(List.of("model after the run"), closedOrder);
        // with no run waiting, the model is closed at once
        last.retireAfterRuns(() -> closedOrder.add("at once"), Set.of());
        assertEquals(List.of("model after the run", "at once"), closedOrder);
    }
}
