package jlens.repl;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import jlens.hook.HookPoint;

/** Argument candidates shared by commands: layer and head numbers, hook names, and a marker for file names. */
final class Completions {
    /** Returned alone by a completer to mean "complete a file name here". */
    static final String FILES = "\u0000files";

    private Completions() {}

    static List<String> layers(Session s, boolean withAll) {
        List<String> out = new ArrayList<>();
        if (s.workspace().hasModel()) {
            IntStream.range(0, s.workspace().config().nLayer()).forEach(i -> out.add(Integer.toString(i)));
        }
        if (withAll) {
            out.add("all");
        }
        return out;
    }

    static List<String> heads(Session s, boolean withAll) {
        List<String> out = new ArrayList<>();
        if (s.workspace().hasModel()) {
            IntStream.range(0, s.workspace().config().nHead()).forEach(i -> out.add(Integer.toString(i)));
        }
        if (withAll) {
            out.add("all");
        }
        return out;
    }

    static List<String> positions(Session s) {
        List<String> out = new ArrayList<>();
        if (s.workspace().hasText()) {
            int t = s.workspace().ids().length;
            IntStream.range(0, t).forEach(i -> out.add(Integer.toString(i)));
            IntStream.rangeClosed(1, t).forEach(i -> out.add(Integer.toString(-i)));
        }
        return out;
    }

    static List<String> hookNames(Session s) {
        List<String> out = new ArrayList<>();
        if (s.workspace().hasModel()) {
            out.addAll(HookPoint.all(s.workspace().config().nLayer()));
        }
        return out;
    }
}
