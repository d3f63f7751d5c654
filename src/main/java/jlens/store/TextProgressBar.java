package jlens.store;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Draws download progress as text. On a terminal it redraws one line with {@code \r}
 * ({@code model.safetensors  45% [#########...........] 250.1 MB / 548.1 MB  12.3 MB/s  0:24 left});
 * without one (a pipe, a log file, {@code TERM=dumb}) it prints a plain line at each tenth, so logs stay readable.
 */
public final class TextProgressBar implements ProgressListener {
    private final PrintStream out;
    private final boolean redraw;
    private final int width;
    private String lastFile;
    private int lastTenth = -1;
    private int lastLength;

    /**
     * @param out    where to draw
     * @param redraw true on an interactive terminal (redraw one line), false for plain lines
     * @param width  the terminal's width in columns (the bar shrinks to fit; 80 if unknown)
     */
    public TextProgressBar(PrintStream out, boolean redraw, int width) {
        this.out = out;
        this.redraw = redraw;
        this.width = width > 20 ? width : 80;
    }

    @Override
    public synchronized void onProgress(DownloadProgress p) {
        if (!p.file().equals(lastFile)) {
            lastFile = p.file();
            lastTenth = -1;
            lastLength = 0;
        }
        if (redraw) {
            String line = line(p);
            // Pad over the previous, longer line instead of relying on an erase sequence a dumb terminal lacks.
            String pad = " ".repeat(Math.max(0, lastLength - line.length()));
            out.print("\r" + line + pad);
            lastLength = line.length();
            if (p.done()) {
                out.println();
            }
            out.flush();
            return;
        }
        int tenth = p.fraction() < 0 ? -1 : (int) (p.fraction() * 10);
        if (p.done() || (tenth > lastTenth && tenth < 10)) {
            lastTenth = tenth;
            out.println(plainLine(p));
            out.flush();
        }
    }

    /** The one-line rendering used on a terminal. */
    String line(DownloadProgress p) {
        String size = p.totalBytes() > 0 ? bytes(p.bytesDone()) + " / " + bytes(p.totalBytes()) : bytes(p.bytesDone());
        String rate = p.done() ? "done" : bytes((long) p.bytesPerSecond()) + "/s";
        long eta = p.etaSeconds();
        String tail = "  " + size + "  " + rate + (eta >= 0 && !p.done() ? "  " + duration(eta) + " left" : "");
        String name = p.file().length() > 24 ? p.file().substring(0, 23) + "~" : p.file();
        if (p.fraction() < 0) {
            return name + tail;
        }
        String pct = String.format(Locale.ROOT, "%3d%%", (int) (p.fraction() * 100));
        int barWidth = Math.min(30, width - 1 - name.length() - 2 - pct.length() - 3 - tail.length());
        if (barWidth < 5) {
            return name + " " + pct + tail;
        }
        int filled = (int) Math.round(p.fraction() * barWidth);
        return name + "  " + pct + " [" + "#".repeat(filled) + ".".repeat(barWidth - filled) + "]" + tail;
    }

    private String plainLine(DownloadProgress p) {
        String pct = p.fraction() < 0 ? "" : String.format(Locale.ROOT, " %d%%", (int) (p.fraction() * 100));
        String total = p.totalBytes() > 0 ? " of " + bytes(p.totalBytes()) : "";
        String rate = p.done() ? " done" : " at " + bytes((long) p.bytesPerSecond()) + "/s";
        return "downloading " + p.file() + ":" + pct + " " + bytes(p.bytesDone()) + total + rate;
    }

    /** Decimal units, as the hub's web pages show sizes. */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String duration(long s) {
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
