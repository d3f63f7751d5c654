package jlens.repl;

import java.util.regex.Pattern;
import jlens.chart.TerminalText;

/**
 * Checks what a REPL run printed: once jlens's own colour escapes (SGR, {@code ESC[...m}, which only the chart
 * encoder writes) are taken out, no line may hold a character a terminal would act on. Called on every capture of
 * REPL output in the suite (the test sessions' buffers, the test terminal, the command line's streams), so a
 * path that prints model- or file-derived text unescaped fails whichever test reaches it.
 */
final class OutputAudit {
    private static final Pattern OWN_COLOUR = Pattern.compile("\u001b\\[[0-9;]*m");

    private OutputAudit() {}

    /** Returns {@code output} unchanged, or throws naming the first line that would drive the terminal. */
    static String check(String output) {
        String[] lines = output.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            // carriage returns redraw a progress bar in place; tabs only move right
            String rest = OWN_COLOUR.matcher(lines[i]).replaceAll("").replace("\r", "").replace("\t", "");
            if (!TerminalText.isSafe(rest)) {
                throw new AssertionError("line " + (i + 1) + " of the output holds a control character: "
                        + TerminalText.escape(lines[i]));
            }
        }
        return output;
    }
}
