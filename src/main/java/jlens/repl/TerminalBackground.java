package jlens.repl;

import java.io.IOException;
import java.util.Optional;
import jlens.chart.Background;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingReader;

/**
 * Asks the terminal for its background colour (OSC 11, answered by xterm, VTE terminals, iTerm2, kitty, tmux and
 * others) and waits a short time for the answer; a terminal that does not answer costs that wait once, at start.
 */
final class TerminalBackground {
    private TerminalBackground() {}

    /** The background the terminal reports within {@code timeoutMillis}, or empty. */
    static Optional<Background> ask(Terminal terminal, long timeoutMillis) {
        Attributes saved = terminal.enterRawMode(); // the answer must not echo or wait for a newline
        try {
            terminal.writer().print("\u001b]11;?\u001b\\");
            terminal.writer().flush();
            NonBlockingReader reader = terminal.reader();
            StringBuilder answer = new StringBuilder();
            long end = System.currentTimeMillis() + timeoutMillis;
            while (answer.length() < 64) {
                long left = end - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                // Peek first: what is not an answer (keys typed ahead) stays in the input for the prompt.
                int next = reader.peek(left);
                if (next < 0 || (answer.length() == 0 && next != 27)) {
                    break; // timed out, closed, or not an escape sequence
                }
                int c = reader.read(1);
                if (c < 0) {
                    break;
                }
                answer.append((char) c);
                if (c == 7 || (c == '\\' && answer.length() > 1 && answer.charAt(answer.length() - 2) == 27)) {
                    break; // BEL or ST ends the answer
                }
            }
            return Background.fromOsc11Reply(answer.toString());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } finally {
            terminal.setAttributes(saved);
        }
    }
}
