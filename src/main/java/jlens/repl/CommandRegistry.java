package jlens.repl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The one table of commands: lookup, suggestions for typos, and the listing {@code help} prints. */
public final class CommandRegistry {
    private final Map<String, Command> byName = new LinkedHashMap<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();

    public CommandRegistry add(Command c) {
        if (byName.putIfAbsent(c.name(), c) != null) {
            throw new IllegalStateException("command registered twice: " + c.name());
        }
        return this;
    }

    public CommandRegistry addAll(Collection<Command> commands) {
        commands.forEach(this::add);
        return this;
    }

    /** Another word for a command ({@code exit} for {@code quit}). */
    public CommandRegistry alias(String alias, String name) {
        aliases.put(alias, name);
        return this;
    }

    public Optional<Command> find(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        return Optional.ofNullable(byName.get(aliases.getOrDefault(w, w)));
    }

    public Collection<Command> all() {
        return byName.values();
    }

    /** Every word that starts a command, aliases included. */
    public List<String> words() {
        List<String> out = new ArrayList<>(byName.keySet());
        out.addAll(aliases.keySet());
        return out;
    }

    /** The command name closest to a mistyped word, if one is close enough to be a likely typo. */
    public Optional<String> suggest(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        return words().stream()
                .filter(name -> distance(w, name) <= Math.max(1, Math.min(2, name.length() / 3))
                        || (w.length() >= 3 && name.startsWith(w)))
                .min(Comparator.comparingInt(name -> distance(w, name)))
                .map(name -> aliases.getOrDefault(name, name));
    }

    /** Damerau-Levenshtein distance (with adjacent transpositions, the commonest typo). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
