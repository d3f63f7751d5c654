package jlens.workspace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.Intervention;
import jlens.intervene.Interventions;
import jlens.model.Gpt2;

/**
 * How the workspace runs its text and reads the last run: a pass with the changes in force and the between-layer
 * check, what it captures, and the run kept keyed on the changes' version (a run made with other changes in force is
 * never served). The workspace calls it under its lock; {@link LastRun} frees replaced runs.
 */
final class RunSlot {
    private final Workspace ws;
    final LastRun last = new LastRun();
    final CaptureSet captures = new CaptureSet();
    private long version = -1; // the changes' version the last run was made with
    long budget = Workspace.DEFAULT_CAPTURE_BUDGET;
    Runnable betweenLayers = () -> {};

    RunSlot(Workspace ws) {
        this.ws = ws;
    }

    /** Whether there is a last run made with the changes in force as they are. */
    boolean present() {
        return last.present() && version == ws.interventions().version();
    }

    /** A pass of the text capturing what is asked and {@code extra}, with the changes in force; it replaces the last run. */
    Gpt2.Run pass(Collection<String> extra) {
        Gpt2 m = ws.current();
        long[] tokens = ws.ids();
        Set<String> capture = new LinkedHashSet<>(captures.list());
        capture.addAll(extra);
        m.setCaptureBudgetBytes(budget);
        Gpt2.Run run;
        try (Hooks.Scope steer = inForce(m, ws.standing()); Hooks.Scope checks = layerChecks(m)) {
            run = m.run(tokens, capture);
        }
        last.replace(run);
        version = ws.interventions().version();
        return run;
    }

    /** {@code standing} as hooks on {@code m} for full passes, until the scope closes. */
    static Hooks.Scope inForce(Gpt2 m, List<Intervention> standing) {
        Hooks.Scope scope = m.hooks().scope();
        Interventions.register(scope, standing, () -> 0);
        return scope;
    }

    /** Hooks on {@code m} that run the between-layer check before every layer of a pass, until the scope closes. */
    Hooks.Scope layerChecks(Gpt2 m) {
        Hooks.Scope checks = m.hooks().scope();
        for (int l = 0; l < m.config().nLayer(); l++) {
            checks.add(HookPoint.block(l, HookPoint.RESID_PRE), (name, a) -> {
                betweenLayers.run();
                return null;
            });
        }
        return checks;
    }

    /** The last run's cache (a run made with other changes in force is dropped first); says what is in force. */
    ActivationCache cache() {
        if (last.present() && version != ws.interventions().version()) {
            last.close();
        }
        if (!last.present() && !ws.hasText()) { // the first missing step is the text, not the run
            throw new MissingStateException("no text yet; give one with text \"...\", then "
                    + (captures.isEmpty() ? "hook something ('hook layer all') and 'run'" : "'run'"));
        }
        ActivationCache c = last.cache(!captures.isEmpty());
        ws.standing(); // what is read was run with these: say so
        return c;
    }

    NDArray logits() {
        cache();
        return last.logits();
    }

    /** A captured activation; the error names the hook and what to do. */
    NDArray captured(String exactName) {
        ActivationCache c = cache();
        if (!c.contains(exactName)) {
            String orLayers = HookPoint.pointOf(exactName).equals(HookPoint.QKV) ? " (or 'hook layer all')" : "";
            throw new MissingStateException(exactName + " was not captured; " + (captures.contains(exactName) ? "type 'run'"
                    : "'hook " + exactName + "'" + orLayers + " then 'run'"));
        }
        return c.get(exactName);
    }

    /** The last run's cache when it holds every one of {@code names}; else the text is run capturing them too. */
    ActivationCache ensure(Collection<String> names) {
        if (!present() || !names.stream().allMatch(cache()::contains)) {
            pass(names);
        }
        return cache();
    }

    static NDArray copyInto(NDArray a, NDManager owner) {
        NDArray copy = a.duplicate();
        copy.attach(owner);
        return copy;
    }
}
