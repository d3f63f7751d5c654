package jlens.repl;

import java.util.Locale;
import java.util.function.Consumer;
import jlens.corpus.CorpusWindows;

/**
 * The progress of a corpus reduction, one line redrawn on a terminal: the share of the corpus's bytes read, the
 * tokens reduced, tokens per second and the time left at that rate; silent in scripts. At most ten redraws a second.
 */
final class CorpusProgressBar implements Consumer<CorpusWindows.Progress> {
    private final Session session;
    private final String label;
    private final long start = System.nanoTime();
    private long lastNanos;
    private int lastLength;

    CorpusProgressBar(Session session, String label) {
        this.session = session;
        this.label = label;
    }

    @Override
    public synchronized void accept(CorpusWindows.Progress p) {
        if (!session.interactive()) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastNanos < 100_000_000L) {
            return;
        }
        lastNanos = now;
        String line = line(label, p, (now - start) / 1e9, session.chartWidth());
        session.rawOut().print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        session.rawOut().flush();
        lastLength = line.length();
    }

    /** {@code corpus stats  37% [#######.............] 12,288 tokens  812 tok/s  1:07 left  (Ctrl-C keeps what is done)}. */
    static String line(String label, CorpusWindows.Progress p, double seconds, int width) {
        double fraction = p.bytesTotal() == 0 ? 1 : Math.min(1, (double) p.bytesRead() / p.bytesTotal());
        double rate = seconds > 0 ? p.tokens() / seconds : 0;
        long left = fraction > 0 && fraction < 1 ? Math.round(seconds * (1 - fraction) / fraction) : -1;
        String tail = String.format(Locale.ROOT, " %,d tokens  %,.0f tok/s%s", p.tokens(), rate,
                left >= 0 ? "  " + duration(left) + " left" : "");
        String hint = "  (Ctrl-C keeps what is done)";
        String pct = String.format(Locale.ROOT, "%3d%%", (int) (fraction * 100));
        int bar = Math.min(30, width - 2 - pct.length() - 3 - tail.length() - hint.length() - 20);
        String head = label + " " + pct;
        if (bar < 5) {
            return (pct + tail).strip();
        }
        int filled = (int) Math.round(fraction * bar);
        String line = head + " [" + "#".repeat(filled) + ".".repeat(bar - filled) + "]" + tail;
        return line.length() + hint.length() <= width - 1 ? line + hint : line;
    }

    private static String duration(long s) {
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    synchronized void done() {
        if (lastLength > 0) {
            session.rawOut().print("\r" + " ".repeat(lastLength) + "\r");
            session.rawOut().flush();
        }
    }
}
