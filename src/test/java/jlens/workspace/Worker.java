package jlens.workspace;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** One other thread that stays alive between calls (a holder of handed-out arrays) until {@link #end()}. */
final class Worker implements AutoCloseable {
    private final AtomicReference<Thread> thread = new AtomicReference<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "handout-worker");
        t.setDaemon(true);
        thread.set(t);
        return t;
    });

    /** Runs {@code work} on the worker's thread and returns its value (its exception rethrown as it was). */
    <T> T call(java.util.concurrent.Callable<T> work) throws Exception {
        try {
            return executor.submit(work).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        }
    }

    void run(Runnable work) throws Exception {
        call(() -> {
            work.run();
            return null;
        });
    }

    /** Ends the thread and waits until it is dead. */
    void end() throws InterruptedException {
        executor.shutdown();
        Thread t = thread.get();
        if (t != null) {
            t.join(30_000);
            if (t.isAlive()) {
                throw new AssertionError("the worker thread did not end");
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        end();
    }
}
