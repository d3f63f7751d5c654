package jlens.repl;

import java.util.Map;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Terminal;

/**
 * JLine's line reader, redrawing the line only when no typed input is waiting. JLine redraws the whole line
 * after every key, which costs time in the line's length: text pasted by a terminal that types it (no bracketed
 * paste) took time in the square of its length (20 KB: over a minute; 100 KB: most of an hour). Skipping the
 * redraws while more characters are already buffered makes a paste linear; the line is drawn once the input
 * pauses, as a person typing sees no difference.
 */
final class TypeaheadLineReader extends LineReaderImpl {
    TypeaheadLineReader(Terminal terminal, String appName, Map<String, Object> variables) {
        super(terminal, appName, variables);
    }

    /** How long a pause in the input must be before the line is drawn: a terminal's paste comes faster. */
    private static final long PAUSE_MS = 2;

    @Override
    public boolean redisplay() {
        try {
            if (terminal.reader().peek(PAUSE_MS) >= 0) {
                return false; // more input is here: the next key's redisplay draws it all
            }
        } catch (java.io.IOException e) {
            // the input is gone; draw what there is
        }
        return super.redisplay();
    }
}
