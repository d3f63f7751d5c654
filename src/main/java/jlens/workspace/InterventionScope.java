package jlens.workspace;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import jlens.intervene.Intervention;
import jlens.model.Gpt2Config;

/**
 * The changes in force on a workspace ({@link Workspace#interventions()}): standing interventions that every run of
 * the model honours until they are removed, as {@code Hooks.Scope} holds hooks until it closes. Each entry is one
 * thing the user added (a steering vector, an ablation) with the interventions it stands for; entries are numbered
 * from 1 in the order added, and a number is never given twice. Every analysis and {@code generate} runs with them,
 * patching's clean and corrupted runs too, and any change here drops the workspace's last run (its activations were
 * made without it).
 */
public final class InterventionScope {
    /**
     * One thing in force.
     *
     * @param number its number, for {@code unsteer N}
     * @param kind a word for what it is ({@code steering}, {@code change})
     * @param label what it is, for a reader
     * @param interventions what it does, in order
     */
    public record Entry(int number, String kind, String label, List<Intervention> interventions) {
        public Entry {
            interventions = List.copyOf(interventions);
        }

        /** {@code #2 " love" - " hate" at layer 6, x4} */
        public String describe() {
            return "#" + number + " " + label;
        }
    }

    private final Object lock;
    private final Runnable onChange;
    private final List<Entry> entries = new ArrayList<>();
    private Consumer<Intervention> checker = i -> {};
    private Consumer<String> listener = line -> {};
    private int next = 1;
    private long version;

    /**
     * @param lock the workspace, whose monitor serialises changes with its passes
     * @param onChange told after every change, under the lock (the workspace drops its last run)
     */
    InterventionScope(Object lock, Runnable onChange) {
        this.lock = lock;
        this.onChange = onChange;
    }

    /** The check every new intervention passes first: it fits the loaded model. */
    void checkWith(Consumer<Intervention> fits) {
        this.checker = fits;
    }

    /**
     * Puts {@code interventions} in force as one entry; each is checked against the model first (a hook point it
     * has, heads in range, a vector of its width) and none may take another run's values.
     *
     * @throws InvalidInputException naming what does not fit; nothing is added then
     */
    public Entry add(String kind, String label, List<Intervention> interventions) {
        synchronized (lock) {
            if (interventions.isEmpty()) {
                throw new InvalidInputException("nothing to put in force: no interventions");
            }
            for (Intervention i : interventions) {
                if (i.value().needsRun()) {
                    throw new InvalidInputException(i.describe() + ": a change in force takes a value of its own, not"
                            + " another run's (patching runs the other text itself)");
                }
            }
            try {
                interventions.forEach(checker);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage());
            }
            Entry e = new Entry(next++, kind, label, interventions);
            entries.add(e);
            changed();
            return e;
        }
    }

    /** One intervention in force, described by itself. */
    public Entry add(Intervention intervention) {
        return add("change", intervention.describe(), List.of(intervention));
    }

    /** What is in force, in the order added. */
    public List<Entry> entries() {
        synchronized (lock) {
            return List.copyOf(entries);
        }
    }

    /** Tells {@code listener} the line that names what is in force whenever a run (or a read of one) has some. */
    public void onChangesInForce(Consumer<String> listener) {
        synchronized (lock) {
            this.listener = listener;
        }
    }

    /** What a run about to be made or read has in force, said to the listener when there is anything. */
    List<Intervention> inForce() {
        synchronized (lock) {
            List<Intervention> out = all();
            if (!out.isEmpty()) {
                listener.accept(describe());
            }
            return out;
        }
    }

    /** Every intervention in force, in the order they apply. */
    public List<Intervention> all() {
        synchronized (lock) {
            List<Intervention> out = new ArrayList<>();
            entries.forEach(e -> out.addAll(e.interventions()));
            return out;
        }
    }

    public boolean isEmpty() {
        synchronized (lock) {
            return entries.isEmpty();
        }
    }

    /** Removes entry {@code number}; empty when there is none. */
    public Optional<Entry> remove(int number) {
        synchronized (lock) {
            Optional<Entry> found = entries.stream().filter(e -> e.number() == number).findFirst();
            found.ifPresent(e -> {
                entries.remove(e);
                changed();
            });
            return found;
        }
    }

    /** Removes every entry; returns what was in force. */
    public List<Entry> clear() {
        synchronized (lock) {
            List<Entry> was = List.copyOf(entries);
            if (!was.isEmpty()) {
                entries.clear();
                changed();
            }
            return was;
        }
    }

    /** Counts changes: a run made at one version was made with exactly that version's interventions. */
    public long version() {
        synchronized (lock) {
            return version;
        }
    }

    /**
     * The line that says what is in force, such as {@code steering in force: #1 " love" - " hate" at layer 6, x4};
     * empty when nothing is.
     */
    public String describe() {
        synchronized (lock) {
            if (entries.isEmpty()) {
                return "";
            }
            boolean allSteering = entries.stream().allMatch(e -> e.kind().equals("steering"));
            return (allSteering ? "steering" : "changes") + " in force: "
                    + String.join("; ", entries.stream().map(Entry::describe).toList());
        }
    }

    /** Keeps the entries whose interventions still fit {@code config} (after a model change); returns those dropped. */
    List<Entry> keepFitting(Gpt2Config config) {
        synchronized (lock) {
            List<Entry> dropped = new ArrayList<>();
            for (Entry e : List.copyOf(entries)) {
                try {
                    e.interventions().forEach(i -> i.check(config));
                } catch (IllegalArgumentException ex) {
                    entries.remove(e);
                    dropped.add(e);
                }
            }
            if (!dropped.isEmpty()) {
                changed();
            }
            return dropped;
        }
    }

    private void changed() {
        version++;
        onChange.run();
    }
}
