package jlens.repl;

import jlens.intervene.SweepProgress;

/**
 * A one-line progress meter for long work: redrawn in place with {@code \r} on a terminal, silent in scripts
 * (their output should hold results only). At most ten updates a second.
 */
final class ProgressMeter implements SweepProgress {
    private final Session session;
    private final String label;
    private long lastNanos;
    private boolean drawn;

    ProgressMeter(Session session, String label) {
        this.session = session;
        this.label = label;
    }

    @Override
    public synchronized void update(int done, int total) {
        session.checkCancelled();
        if (!session.interactive()) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastNanos < 100_000_000L) {
            return;
        }
        lastNanos = now;
        int width = 30;
        int filled = total == 0 ? width : (int) ((long) width * done / total);
        session.rawOut().print("\r" + label + " [" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + done + "/" + total);
        session.rawOut().flush();
        drawn = true;
    }

    synchronized void done() {
        if (drawn) {
            session.rawOut().print("\r" + " ".repeat(label.length() + 50) + "\r");
            session.rawOut().flush();
        }
    }
}
