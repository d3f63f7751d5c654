package jlens.workspace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import jlens.hook.ActivationCache;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.Intervention;
import jlens.intervene.Interventions;
import jlens.model.FirstNonFinite;
import jlens.model.Gpt2;

/**
 * How the workspace runs its text and reads the last run: a pass with the changes in force and the between-layer
 * check, what it captures, and the run kept keyed on the changes' version and the hooks registered on the model (a
 * run made with other changes in force, or before a Java hook was added or removed, is never served). The workspace
 * calls it under its lock; {@link LastRun} frees replaced runs.
 */
final class RunSlot {
    private final Workspace ws;
    final LastRun last = new LastRun();
    final CaptureSet captures = new CaptureSet();
    private long version = -1; // the changes' version the last run was made with
    private List<Long> hooked = List.of(); // the model's hooks (Hooks.registrations) the last run was made with
    long budget = Workspace.DEFAULT_CAPTURE_BUDGET;
    Runnable betweenLayers = () -> {};

    RunSlot(Workspace ws) {
        this.ws = ws;
    }

    /** Whether there is a last run made with the changes in force and the model's hooks as they are. */
    boolean present() {
        return last.present() && !stale();
    }

    /** Whether the last run was made with other changes in force or other hooks on the model than there are now. */
    private boolean stale() {
        return version != ws.interventions().version() || !hooked.equals(ws.current().hooks().registrations());
    }

    /** A pass of the text capturing what is asked and {@code extra}, with the changes in force; it replaces the last run. */
    Gpt2.Run pass(Collection<String> extra) {
        Gpt2 m = ws.current();
        long[] tokens = ws.ids();
        Set<String> capture = new LinkedHashSet<>(captures.list());
        capture.addAll(extra);
        m.setCaptureBudgetBytes(budget);
        List<Long> before = m.hooks().registrations(); // the user's hooks, without the pass's own below
        Gpt2.Run run;
        try (Hooks.Scope steer = inForce(m, ws.standing()); Hooks.Scope checks = layerChecks(m)) {
            run = m.run(tokens, capture);
        }
        last.replace(run);
        version = ws.interventions().version();
        hooked = before;
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

    /** The last run's cache (a run made with other changes in force or hooks is dropped first); says what is in force. */
    ActivationCache cache() {
        if (last.present() && stale()) {
            last.close();
            throw new MissingStateException("the last run was made before the model's hooks or the changes in force changed,"
                    + " so its numbers are not this model's now; type 'run'");
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

    /**
     * Where a pass of {@code ids} (null: the text, which every study without tokens of its own ran) with the changes in
     * force and {@code extra} first goes non-finite, and what is in force there: one more pass, on a refusal's path only.
     */
    String whereNonFinite(long[] ids, List<Intervention> extra) {
        long[] tokens = ids != null ? ids : ws.hasText() ? ws.ids() : null;
        if (tokens == null || !ws.hasModel()) {
            return "an activation overflowed, or a hook wrote them";
        }
        Gpt2 m = ws.current();
        List<Intervention> all = new ArrayList<>(ws.interventions().all());
        all.addAll(extra);
        Optional<String> first;
        try (Hooks.Scope inForce = inForce(m, all)) {
            first = FirstNonFinite.find(m, tokens);
        } catch (RuntimeException e) { // the refusal stands without its place
            return "an activation overflowed, or a hook wrote them";
        }
        String there = first.map(name -> {
            for (InterventionScope.Entry e : ws.interventions().entries()) {
                if (e.interventions().stream().anyMatch(i -> i.hook().equals(name))) {
                    return ", where " + e.describe() + " is in force";
                }
            }
            return extra.stream().filter(i -> i.hook().equals(name)).findFirst().map(i -> ", where " + i.describe() + " applies")
                    .orElse("");
        }).orElse("");
        return FirstNonFinite.describe(first) + there;
    }

    static NDArray copyInto(NDArray a, NDManager owner) {
        NDArray copy = a.duplicate();
        copy.attach(owner);
        return copy;
    }
}
