package jlens.repl;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import jlens.chart.Background;
import jlens.chart.ColorMode;
import jlens.chart.RenderStyle;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * What a session learns about the terminal it draws on: whether it is one, the colours it shows, whether it can
 * show the chart glyphs, and its background (asked with OSC 11). The REPL finds them on its JLine terminal;
 * {@code ./jlens jshell} finds them the same way before jshell starts ({@link #main}, whose answer the launcher
 * passes on in {@code JLENS_TERMINAL}), since the JVM that runs jshell's snippets has no terminal of its own.
 *
 * @param terminal   whether a person watches a terminal (else: plain text, no progress bars)
 * @param color      the colour mode the environment says the terminal shows
 * @param unicode    whether the terminal's encoding has the chart glyphs
 * @param background the background the terminal answered with, else dark
 */
public record TerminalTraits(boolean terminal, ColorMode color, boolean unicode, Background background) {
    /** How long the terminal has to answer the background question. */
    static final long ASK_MILLIS = 150;

    /** The traits of a JLine terminal (a dumb one is no terminal: mono, nothing asked). */
    static TerminalTraits of(Terminal t) {
        boolean dumb = t.getType() == null || t.getType().startsWith(Terminal.TYPE_DUMB);
        ColorMode color = dumb ? ColorMode.MONO : ColorMode.detect(System.getenv(), true);
        Background background = dumb ? Background.DARK : TerminalBackground.ask(t, ASK_MILLIS).orElse(Background.DARK);
        return new TerminalTraits(!dumb, color, RenderStyle.canEncodeGlyphs(t.encoding()), background);
    }

    /** Gives {@code s} these traits: what {@code set color auto} and {@code set background auto} resolve to. */
    void applyTo(Session s) {
        s.interactive(terminal);
        s.autoColor(color, unicode);
        s.autoBackground(background);
    }

    /** One line for {@code JLENS_TERMINAL}: {@code terminal=true color=COLOR256 unicode=true background=LIGHT}. */
    String encode() {
        return "terminal=" + terminal + " color=" + color + " unicode=" + unicode + " background=" + background;
    }

    /** The traits {@link #encode()} wrote; empty for anything else (then nothing is assumed). */
    static Optional<TerminalTraits> decode(String line) {
        if (line == null || line.isBlank()) {
            return Optional.empty();
        }
        java.util.Map<String, String> fields = new java.util.HashMap<>();
        for (String part : line.strip().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        try {
            return Optional.of(new TerminalTraits(Boolean.parseBoolean(fields.get("terminal")),
                    ColorMode.valueOf(fields.get("color")), Boolean.parseBoolean(fields.get("unicode")),
                    Background.valueOf(fields.get("background"))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The probe {@code ./jlens jshell} runs before jshell: the traits of the terminal on standard input and error
     * (standard output is the launcher's pipe), printed as {@link #encode()} does.
     */
    public static void main(String[] args) {
        java.util.logging.Logger.getLogger("org.jline").setLevel(java.util.logging.Level.OFF);
        TerminalTraits traits;
        try (Terminal t = TerminalBuilder.builder().system(true).systemOutput(TerminalBuilder.SystemOutput.SysErr)
                .encoding(StandardCharsets.UTF_8).build()) {
            traits = of(t);
        } catch (IOException | RuntimeException e) {
            traits = new TerminalTraits(false, ColorMode.MONO, true, Background.DARK);
        }
        System.out.println(traits.encode());
    }

    /**
     * The size of the terminal this process was started from, read with {@code stty size} on {@code /dev/tty}
     * (the JVM that runs jshell's snippets has pipes for its standard streams but the same controlling
     * terminal), at most every quarter second; 0 when there is none.
     */
    static final class Size {
        private long readAt;
        private int rows;
        private int columns;

        synchronized int columns() {
            refresh();
            return columns;
        }

        synchronized int rows() {
            refresh();
            return rows;
        }

        private void refresh() {
            long now = System.nanoTime();
            if (readAt != 0 && now - readAt < TimeUnit.MILLISECONDS.toNanos(250)) {
                return;
            }
            readAt = now;
            rows = 0;
            columns = 0;
            File tty = new File("/dev/tty");
            if (!tty.canRead()) {
                return;
            }
            try {
                Process p = new ProcessBuilder("stty", "size").redirectInput(tty)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String answer = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
                if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    String[] parts = answer.split("\\s+");
                    rows = Integer.parseInt(parts[0]);
                    columns = Integer.parseInt(parts[1]);
                }
            } catch (IOException | RuntimeException e) {
                rows = 0;
                columns = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
