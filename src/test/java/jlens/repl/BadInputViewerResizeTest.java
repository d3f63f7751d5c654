package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import java.time.Duration;
import jlens.chart.RenderStyle;
import org.junit.jupiter.api.Test;

/**
 * A terminal resized while the full-screen viewer waits for a key (a window dragged, a tmux pane split): the chart is
 * drawn again at the new size at once, not left clipped and scrolled until the next key press.
 */
class BadInputViewerResizeTest {
    private static String row(DefaultVirtualTerminal vt, int y) {
        StringBuilder b = new StringBuilder();
        for (int x = 0; x < vt.getTerminalSize().getColumns(); x++) {
            b.append(vt.getCharacter(x, y).getCharacterString());
        }
        return b.toString();
    }

    @Test
    void aResizeRedrawsWithoutAKeyPress() {
        // Preemptive: a viewer blocked in the virtual terminal's readInput holds its lock, and would hang the checks.
        assertTimeoutPreemptively(Duration.ofSeconds(10), this::resizeWhileWaiting);
    }

    private void resizeWhileWaiting() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "run", "hist 1");
        Figure f = b.session().lastFigure();
        DefaultVirtualTerminal vt = new DefaultVirtualTerminal(new TerminalSize(100, 30));
        TerminalScreen screen = new TerminalScreen(vt);
        screen.startScreen();
        Thread viewer = new Thread(() -> {
            try {
                FullScreenViewer.loop(screen, f, RenderStyle.MONO);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        viewer.setDaemon(true);
        viewer.start();
        try {
            waitFor(() -> row(vt, 29).contains("q back"), "the first drawing");
            vt.setTerminalSize(new TerminalSize(60, 20));
            waitFor(() -> row(vt, 19).contains("q back") && row(vt, 0).contains("layer 1"), "a drawing at 60 x 20 without a key");
            assertTrue(row(vt, 0).startsWith("layer 1: Q, K, V density"), row(vt, 0));
        } finally {
            vt.addInput(new KeyStroke('q', false, false));
            viewer.join(5000);
            screen.stopScreen();
        }
        assertFalse(viewer.isAlive(), "q leaves the viewer");
    }

    private static void waitFor(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        long end = System.nanoTime() + 3_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + what + " within 3 s");
            }
            Thread.sleep(20);
        }
    }
}
