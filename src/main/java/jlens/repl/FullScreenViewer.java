package jlens.repl;

import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.graphics.TextImage;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.ansi.ANSITerminal;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import jlens.chart.RenderStyle;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingReader;

/**
 * The last chart on the whole screen. JLine owns the terminal: Lanterna's {@link TerminalScreen} runs on a
 * small {@link ANSITerminal} that reads and writes through JLine's streams, between prompts, and JLine's
 * terminal modes and resize handler are restored afterwards. Lanterna's own terminal factories are never used
 * (they run stty, take SIGWINCH, may open a Swing window, and exit the JVM on Ctrl-C).
 */
final class FullScreenViewer implements Viewer {
    private final Terminal terminal;
    private final Session session;

    FullScreenViewer(Terminal terminal, Session session) {
        this.terminal = terminal;
        this.session = session;
    }

    /** Lanterna's ANSI terminal over JLine's byte streams; the size comes from JLine, not a cursor probe. */
    static final class JLineBackedTerminal extends ANSITerminal {
        private final Terminal jline;

        JLineBackedTerminal(Terminal jline) throws IOException {
            super(new ReaderBytes(jline.reader()), jline.output(), StandardCharsets.UTF_8);
            this.jline = jline;
        }

        @Override
        protected TerminalSize findTerminalSize() {
            Size s = jline.getSize();
            return new TerminalSize(Math.max(20, s.getColumns()), Math.max(5, s.getRows()));
        }

        void fireResize() {
            Size s = jline.getSize();
            onResized(Math.max(20, s.getColumns()), Math.max(5, s.getRows()));
        }
    }

    /**
     * JLine's input as UTF-8 bytes with a truthful {@code available()}: Lanterna tells an Escape key from the start
     * of an arrow key's sequence by asking whether more input is ready, which JLine's raw stream does not say.
     */
    static final class ReaderBytes extends InputStream {
        private final NonBlockingReader reader;
        private byte[] pending = new byte[0];
        private int next;

        ReaderBytes(NonBlockingReader reader) {
            this.reader = reader;
        }

        @Override
        public int read() throws IOException {
            if (next < pending.length) {
                return pending[next++] & 0xff;
            }
            int c = reader.read();
            if (c < 0) {
                return -1;
            }
            StringBuilder chars = new StringBuilder().append((char) c);
            if (Character.isHighSurrogate((char) c)) {
                int low = reader.read(50L);
                if (low >= 0) {
                    chars.append((char) low);
                }
            }
            pending = chars.toString().getBytes(StandardCharsets.UTF_8);
            next = 1;
            return pending[0] & 0xff;
        }

        /** Blocks for the first byte only, then takes what is already there (the default blocks to fill {@code b}). */
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int first = read();
            if (first < 0) {
                return -1;
            }
            b[off] = (byte) first;
            int n = 1;
            while (n < len && (next < pending.length || reader.peek(1L) >= 0)) {
                int c = read();
                if (c < 0) {
                    break;
                }
                b[off + n++] = (byte) c;
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            if (next < pending.length) {
                return pending.length - next;
            }
            // A short wait lets the rest of an escape sequence arrive. At the end of input a read does not block
            // either: saying so lets a polling viewer see the end (and leave) instead of polling forever.
            int c = reader.peek(30L);
            return c >= 0 || c == NonBlockingReader.EOF ? 1 : 0;
        }
    }

    @Override
    public void show(Figure figure) throws IOException {
        if (Terminal.TYPE_DUMB.equals(terminal.getType()) || Terminal.TYPE_DUMB_COLOR.equals(terminal.getType())) {
            throw new UserError("'view' needs a full terminal (this one is dumb); 'save FILE.txt' writes the chart instead");
        }
        Attributes saved = terminal.enterRawMode();
        Attributes raw = new Attributes(terminal.getAttributes());
        raw.setLocalFlag(Attributes.LocalFlag.ISIG, false); // Ctrl-C becomes a key here: it leaves the viewer
        terminal.setAttributes(raw);
        JLineBackedTerminal lanterna = new JLineBackedTerminal(terminal);
        Terminal.SignalHandler previousWinch = terminal.handle(Terminal.Signal.WINCH, s -> lanterna.fireResize());
        TerminalScreen screen = new TerminalScreen(lanterna);
        // Killed (SIGTERM) while the viewer is up: JLine's own hook restores the modes, this one the main screen and
        // the cursor, else the shell comes back inside the alternate screen with its scrollback hidden.
        Thread restoreScreen = new Thread(() -> {
            terminal.writer().print("\u001b[0m\u001b[?1049l\u001b[?25h");
            terminal.writer().flush();
        }, "jlens-viewer-restore");
        Runtime.getRuntime().addShutdownHook(restoreScreen);
        try {
            screen.startScreen();
            screen.setCursorPosition(null);
            loop(screen, figure, session.style());
        } finally {
            try {
                screen.stopScreen();
            } finally {
                terminal.setAttributes(saved);
                terminal.handle(Terminal.Signal.WINCH, previousWinch);
                terminal.puts(org.jline.utils.InfoCmp.Capability.cursor_visible);
                terminal.flush();
                try {
                    Runtime.getRuntime().removeShutdownHook(restoreScreen);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or about to: it does the same
                }
            }
        }
    }

    /** Draws pages and follows keys until q, Esc or Ctrl-C; returns the page last shown. */
    static int loop(Screen screen, Figure figure, RenderStyle style) throws IOException {
        int page = figure.start();
        int pages = figure.titles().size();
        while (true) {
            screen.doResizeIfNecessary();
            draw(screen, figure, page, style);
            KeyStroke k = screen.pollInput();
            while (k == null) {
                // Polled, not a blocking read, so that a resize redraws at once rather than at the next key press.
                if (screen.doResizeIfNecessary() != null) {
                    draw(screen, figure, page, style);
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return page;
                }
                k = screen.pollInput();
            }
            if (k == null || k.getKeyType() == KeyType.EOF || k.getKeyType() == KeyType.Escape) {
                return page;
            }
            if (k.getKeyType() == KeyType.Character) {
                char c = k.getCharacter();
                if (c == 'q' || c == 'Q' || (k.isCtrlDown() && (c == 'c' || c == 'd'))) {
                    return page;
                }
                if (c == 'l' || c == ']' || c == 'n' || c == ' ') {
                    page = Math.min(pages - 1, page + 1);
                } else if (c == 'h' || c == '[' || c == 'p') {
                    page = Math.max(0, page - 1);
                }
            } else if (k.getKeyType() == KeyType.ArrowRight || k.getKeyType() == KeyType.ArrowDown || k.getKeyType() == KeyType.PageDown) {
                page = Math.min(pages - 1, page + 1);
            } else if (k.getKeyType() == KeyType.ArrowLeft || k.getKeyType() == KeyType.ArrowUp || k.getKeyType() == KeyType.PageUp) {
                page = Math.max(0, page - 1);
            } else if (k.getKeyType() == KeyType.Home) {
                page = 0;
            } else if (k.getKeyType() == KeyType.End) {
                page = pages - 1;
            }
        }
    }

    static void draw(Screen screen, Figure figure, int page, RenderStyle style) throws IOException {
        TerminalSize size = screen.getTerminalSize();
        screen.clear();
        TextGraphics g = screen.newTextGraphics();
        int pages = figure.titles().size();
        String title = figure.titles().get(page) + (pages > 1 ? "   (" + (page + 1) + "/" + pages + ")" : "");
        g.putString(0, 0, clip(jlens.chart.TerminalText.escape(title), size.getColumns()));
        TextImage image = figure.pages().apply(page).render(Math.max(20, size.getColumns() - 1), Math.max(5, size.getRows() - 2), style);
        g.drawImage(new TerminalPosition(0, 1), image);
        String keys = pages > 1 ? "<- -> move between pages   q back" : "q back";
        g.putString(0, size.getRows() - 1, clip(keys, size.getColumns()));
        screen.refresh(Screen.RefreshType.COMPLETE);
    }

    private static String clip(String s, int w) {
        return s.length() <= w ? s : s.substring(0, Math.max(0, w));
    }
}
