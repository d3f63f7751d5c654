package jlens.repl;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;
import jlens.chart.TerminalText;

/**
 * The console's writer for everything but jlens's own drawing: every character goes through
 * {@link TerminalText.Escaper}, so token strings, file names, config values and echoed input reach the terminal as
 * visible text, never as control sequences, invisible format characters or marks struck over what came before.
 * Newlines and tabs pass (they only move the cursor forward, and start afresh: a mark after them has nothing to sit
 * on); the colour escapes of charts and the carriage returns of progress bars are written through the console's raw
 * writer instead. A surrogate pair split across two writes is held until its second half comes.
 */
final class TerminalSafeWriter extends FilterWriter {
    private final TerminalText.Escaper escaper = new TerminalText.Escaper();
    private char pendingHigh;

    TerminalSafeWriter(Writer out) {
        super(out);
    }

    private void append(StringBuilder b, char c) {
        if (pendingHigh != 0) {
            char high = pendingHigh;
            pendingHigh = 0;
            if (Character.isLowSurrogate(c)) {
                escaper.append(b, Character.toCodePoint(high, c));
                return;
            }
            escaper.append(b, high); // half a pair: shown as the replacement character
        }
        if (c == '\n' || c == '\t') {
            b.append(c);
            escaper.reset();
        } else if (Character.isHighSurrogate(c)) {
            pendingHigh = c;
        } else {
            escaper.append(b, c);
        }
    }

    @Override
    public void write(int c) throws IOException {
        StringBuilder b = new StringBuilder(2);
        append(b, (char) c);
        out.write(b.toString());
    }

    @Override
    public void write(char[] buf, int off, int len) throws IOException {
        StringBuilder b = new StringBuilder(len + 8);
        for (int i = 0; i < len; i++) {
            append(b, buf[off + i]);
        }
        out.write(b.toString());
    }

    @Override
    public void write(String s, int off, int len) throws IOException {
        StringBuilder b = new StringBuilder(len + 8);
        for (int i = 0; i < len; i++) {
            append(b, s.charAt(off + i));
        }
        out.write(b.toString());
    }
}
