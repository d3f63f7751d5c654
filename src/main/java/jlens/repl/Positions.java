package jlens.repl;

/** The notebook leaves position 0 out of demos 1 and 2; this decides and says so. */
final class Positions {
    private Positions() {}

    /** The first position analysed: 1 unless {@code --pos0} or {@code set pos0 on}. */
    static int first(Session s, Args a) {
        boolean keep = a.flag("--pos0") || s.settings().includePos0();
        return keep ? 0 : 1;
    }

    static String note(int first) {
        return first == 0 ? "positions 0..T-1 (position 0 included)"
                : "positions 1..T-1: position 0 left out as in the notebook (an attention sink); --pos0 or 'set pos0 on' keeps it";
    }
}
