package jlens.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import jlens.Fixture;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Arrays a workspace hands out are not freed under another thread's native calls: every method that returns the
 * last run's own arrays records the thread it gave them to, and a run another thread replaces waits for that
 * thread. A new public method that returns arrays fails {@link #everyMethodThatReturnsArraysIsKnown} until it is
 * listed here, and so checked.
 */
class WorkspaceHandoutTest {
    private static final String Q0 = HookPoint.block(0, HookPoint.Q);

    /** The methods that return the workspace's own arrays, and how to take one array from what each returns. */
    private static final Map<String, Function<Workspace, NDArray>> HANDOUTS = new TreeMap<>(Map.of(
            "run()", ws -> ws.run().cache().get(Q0),
            "run(Collection)", ws -> ws.run(List.of(Q0)).cache().get(Q0),
            "cache()", ws -> ws.cache().get(Q0),
            "cacheWith(Collection)", ws -> ws.cacheWith(List.of(Q0)).get(Q0),
            "logits()", Workspace::logits,
            "activation(String)", ws -> ws.activation(Q0),
            "ensureCaptured(Collection)", ws -> ws.ensureCaptured(List.of(Q0)).get(Q0)));

    /** The methods that return copies in the caller's manager. */
    private static final List<String> COPIES = List.of("activation(String,NDManager)", "logits(NDManager)");

    private final List<Worker> workers = new ArrayList<>();
    private final List<Workspace> workspaces = new ArrayList<>();

    @AfterEach
    void close() throws InterruptedException {
        for (Worker w : workers) {
            w.end();
        }
        workspaces.forEach(Workspace::close);
    }

    private Worker worker() {
        Worker w = new Worker();
        workers.add(w);
        return w;
    }

    /** A workspace that loads (and owns) a fresh fixture model each time, with the text run once, q0 captured. */
    private Workspace workspace() {
        Workspace ws = new Workspace(spec -> new LoadedModel(Gpt2.load(Fixture.dir()), "tiny-gpt2", null));
        workspaces.add(ws);
        ws.load("fixture");
        ws.text(Fixture.text());
        ws.capture(Q0);
        ws.run();
        return ws;
    }

    private static String signature(Method m) {
        return m.getName() + "(" + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(","))
                + ")";
    }

    /** NDArray, ActivationCache, a run, or a record holding any of them (also in arrays or collections). */
    private static boolean holdsArrays(java.lang.reflect.Type type) {
        String name = type.getTypeName();
        if (name.contains(NDArray.class.getName()) || name.contains(ActivationCache.class.getName())
                || name.contains(Gpt2.Run.class.getName().replace('$', '.'))) {
            return true;
        }
        if (type instanceof Class<?> c && c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                if (rc.getGenericType() != type && holdsArrays(rc.getGenericType())) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void everyMethodThatReturnsArraysIsKnown() {
        TreeSet<String> found = new TreeSet<>();
        for (Method m : Workspace.class.getMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) && holdsArrays(m.getGenericReturnType())) {
                found.add(signature(m));
            }
        }
        TreeSet<String> known = new TreeSet<>(HANDOUTS.keySet());
        known.addAll(COPIES);
        assertEquals(known, found, "a public method returning arrays must record its handout (LastRun.handedOut) and be "
                + "listed in HANDOUTS, or return a copy in the caller's manager and be listed in COPIES");
        // the check itself can fail: a record holding an array is seen
        assertTrue(holdsArrays(Gpt2.KvPrefix.class));
        assertFalse(holdsArrays(jlens.analysis.QkvSplit.class));
    }

    @Test
    void everyHandoutOutlivesAnotherThreadsRunUntilItsHolderComesBack() throws Exception {
        for (Map.Entry<String, Function<Workspace, NDArray>> h : HANDOUTS.entrySet()) {
            Workspace ws = workspace();
            Worker b = worker();
            NDArray taken = b.call(() -> h.getValue().apply(ws));
            float sum = b.call(() -> taken.sum().getFloat());
            ws.run(); // this thread replaces the run B took arrays from
            ws.text("a different text");
            ws.run();
            assertFalse(taken.isReleased(), h.getKey() + ": freed while the thread that took it may be using it");
            assertEquals(sum, b.call(() -> taken.sum().getFloat()), h.getKey());
            b.run(ws::hasModel); // not an entry that reads the model or the run: nothing happens
            assertFalse(taken.isReleased(), h.getKey());
            b.run(ws::model); // B comes back: its old run is closed on its own thread
            assertTrue(taken.isReleased(), h.getKey() + ": kept after its holder came back");
            // B's stale array now says so cleanly
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.call(() -> taken.sum().getFloat()));
            assertTrue(e.getMessage().contains("released"), e.getMessage());
        }
    }

    @Test
    void aHolderThatEndedReleasesTheRunAtTheNextCall() throws Exception {
        Workspace ws = workspace();
        Worker b = worker();
        NDArray taken = b.call(() -> ws.activation(Q0));
        ws.run();
        assertFalse(taken.isReleased());
        b.end();
        ws.run();
        assertTrue(taken.isReleased(), "a run whose only holder ended is closed at the next entry");
    }

    @Test
    void theSameThreadsStaleArraysAreReleasedAtOnceAsBefore() {
        Workspace ws = workspace();
        NDArray q = ws.activation(Q0);
        ws.run();
        assertTrue(q.isReleased());
        assertFalse(ws.activation(Q0).isReleased(), "the new run's arrays are fine");
    }

    @Test
    void aModelLoadedOverRunsAnotherThreadHoldsWaitsForThatThread() throws Exception {
        Workspace ws = workspace();
        Gpt2 first = ws.model();
        Worker b = worker();
        NDArray taken = b.call(() -> ws.activation(Q0));
        ws.load("fixture"); // closes the first model, whose manager the run's arrays hang from
        assertFalse(taken.isReleased(), "freed with the model it came from");
        assertEquals(taken.getShape(), b.call(() -> taken.mul(2).getShape()));
        b.run(ws::model);
        assertTrue(taken.isReleased());
        assertFalse(first.manager().isOpen(), "the first model closed once its runs were");
        // closing the workspace waits for holders too
        NDArray again = b.call(() -> ws.ensureCaptured(List.of(Q0)).get(Q0));
        ws.close();
        assertFalse(again.isReleased());
        b.run(ws::hasRun);
        assertFalse(again.isReleased());
        assertThrows(MissingStateException.class, () -> b.call(ws::model)); // an entry on the closed workspace
        assertTrue(again.isReleased());
    }

    @Test
    void aModelAnotherThreadTookStaysOpenAcrossALoadUntilThatThreadComesBack() throws Exception {
        Workspace ws = workspace();
        Worker b = worker();
        Gpt2 taken = b.call(ws::model);
        ws.load("fixture"); // from this thread: the model b holds is not closed under it
        assertTrue(taken.manager().isOpen(), "closed under the thread that took it");
        long[] ids = ws.ids();
        assertEquals(3, b.call(() -> {
            try (NDManager m = taken.manager().newSubManager()) {
                return taken.forward(ids, m).getShape().dimension(); // [1, T, V]
            }
        }));
        Gpt2 second = ws.model(); // this thread's own take does not hold the next load back
        b.run(ws::config); // b comes back: what it held is let go
        assertFalse(taken.manager().isOpen(), "the old model closed once its taker came back");
        ws.load("fixture");
        assertFalse(second.manager().isOpen(), "a model only this thread took closes at once");
    }

    @Test
    void copiesAreTheCallersOnAnyThreadForAsLongAsItsManagerIsOpen() throws Exception {
        Workspace ws = workspace();
        Worker b = worker();
        try (NDManager mine = NDManager.newBaseManager()) {
            NDArray q = b.call(() -> ws.activation(Q0, mine));
            NDArray logits = b.call(() -> ws.logits(mine));
            assertSame(mine, q.getManager());
            assertSame(mine, logits.getManager());
            float[] expected = ws.activation(Q0).toFloatArray();
            ws.run();
            ws.close();
            assertThrows(MissingStateException.class, () -> b.call(ws::model));
            assertFalse(q.isReleased());
            assertTrue(Arrays.equals(expected, q.toFloatArray()));
            assertEquals(3, logits.getShape().dimension());
        }
    }
}
