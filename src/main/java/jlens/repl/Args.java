package jlens.repl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The words after a command name, consumed left to right. Every failure is a {@link UserError} that quotes the
 * command's usage, so a wrong line always says how to write it.
 */
public final class Args {
    private final String usage;
    private final List<String> words;
    private int next;

    Args(String usage, List<String> words) {
        this.usage = usage;
        this.words = new ArrayList<>(words);
    }

    public boolean hasNext() {
        return next < words.size();
    }

    public String peek() {
        return hasNext() ? words.get(next) : null;
    }

    /** Whether the next word is {@code word} (case-insensitive); consumes it when it is. */
    public boolean accept(String word) {
        if (hasNext() && words.get(next).equalsIgnoreCase(word)) {
            next++;
            return true;
        }
        return false;
    }

    public String next(String what) {
        if (!hasNext()) {
            throw new UserError("missing " + what + "; usage: " + usage);
        }
        return words.get(next++);
    }

    /** Removes a flag such as {@code --force} wherever it is; true if it was there. */
    public boolean flag(String name) {
        for (int i = next; i < words.size(); i++) {
            if (words.get(i).equalsIgnoreCase(name)) {
                words.remove(i);
                return true;
            }
        }
        return false;
    }

    /** Removes an option with {@code count} values ({@code --range -5 5}) wherever it is; null when absent. */
    public List<String> option(String name, int count) {
        for (int i = next; i < words.size(); i++) {
            if (words.get(i).equalsIgnoreCase(name)) {
                if (i + count >= words.size()) {
                    throw new UserError(name + " needs " + count + " value" + (count == 1 ? "" : "s") + "; usage: " + usage);
                }
                List<String> values = new ArrayList<>(words.subList(i + 1, i + 1 + count));
                words.subList(i, i + 1 + count).clear();
                return values;
            }
        }
        return null;
    }

    /** A number word (a range bound, a size). */
    public static double parseDouble(String word, String what, String usage) {
        try {
            double d = Double.parseDouble(word.strip());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UserError(what + " must be a number, not '" + word + "'; usage: " + usage);
        }
    }

    /** Fails on any word not consumed. */
    public void end() {
        if (hasNext()) {
            String extra = words.get(next);
            String hint = extra.startsWith("--") ? "unknown option '" + extra + "'" : "unexpected '" + extra + "'";
            throw new UserError(hint + "; usage: " + usage);
        }
    }

    /** The remaining words, consumed. */
    public List<String> rest() {
        List<String> out = List.copyOf(words.subList(next, words.size()));
        next = words.size();
        return out;
    }

    public String usage() {
        return usage;
    }

    /** An integer word; {@code what} names it in the error. */
    public static long parseLong(String word, String what, String usage) {
        try {
            return Long.parseLong(word.strip());
        } catch (NumberFormatException e) {
            throw new UserError(what + " must be a whole number, not '" + word + "'; usage: " + usage);
        }
    }

    /**
     * An index into {@code 0..size-1} that may count from the end ({@code -1} is the last), as Python does.
     *
     * @param what    "layer", "head", "token", used in the message
     * @param context what has {@code size} of them ("the model has 3 layers")
     */
    public static int index(String word, int size, String what, String context, String usage) {
        long v = parseLong(word, what, usage);
        long i = v < 0 ? size + v : v;
        if (i < 0 || i >= size) {
            throw new UserError(what + " " + word + " is out of range: " + context + ", so use 0.." + (size - 1)
                    + " or -" + size + "..-1");
        }
        return (int) i;
    }

    public int nextIndex(String what, int size, String context) {
        return index(next(what), size, what, context, usage);
    }

    /** An on/off word. */
    public static boolean parseBoolean(String word, String what) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes", "1" -> true;
            case "off", "false", "no", "0" -> false;
            default -> throw new UserError(what + " takes on or off, not '" + word + "'");
        };
    }
}
