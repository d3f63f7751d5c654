package jlens.repl;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;
import jlens.chart.TerminalText;

/**
 * The console's writer for everything but jlens's own drawing: every character goes through
 * {@link TerminalText#escape(char)}, so token strings, file names, config values and echoed input reach the
 * terminal as visible text, never as control sequences. Newlines and tabs pass (they only move the cursor
 * forward); the colour escapes of charts and the carriage returns of progress bars are written through the
 * console's raw writer instead.
 */
final class TerminalSafeWriter extends FilterWriter {
    TerminalSafeWriter(Writer out) {
        super(out);
    }

    private static char safe(char c) {
        return c == '\n' || c == '\t' ? c : TerminalText.escape(c);
    }

    @Override
    public void write(int c) throws IOException {
        out.write(safe((char) c));
    }

    @Override
    public void write(char[] buf, int off, int len) throws IOException {
        char[] copy = new char[len];
        for (int i = 0; i < len; i++) {
            copy[i] = safe(buf[off + i]);
        }
        out.write(copy, 0, len);
    }

    @Override
    public void write(String s, int off, int len) throws IOException {
        char[] copy = new char[len];
        for (int i = 0; i < len; i++) {
            copy[i] = safe(s.charAt(off + i));
        }
        out.write(copy, 0, len);
    }
}
