package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlens.corpus.CorpusWindows;
import org.junit.jupiter.api.Test;

/** The corpus progress line: the share read, tokens, tokens per second and the time left at that rate, within the width. */
class CorpusProgressBarTest {
    @Test
    void sayTheShareTokensRateAndTimeLeft() {
        // a quarter of the bytes in 30 s: 90 s left at that rate; 12,288 tokens in 30 s: 410 tokens a second
        String line = CorpusProgressBar.line("corpus stats", new CorpusWindows.Progress(250, 1000, 7, 0, 12, 12_288), 30, 120);
        assertTrue(line.startsWith("corpus stats  25% ["), line);
        assertTrue(line.contains(" 12,288 tokens  410 tok/s  1:30 left"), line);
        assertTrue(line.endsWith("(Ctrl-C keeps what is done)") && line.length() <= 119, line);
        String narrow = CorpusProgressBar.line("corpus stats", new CorpusWindows.Progress(250, 1000, 7, 0, 12, 12_288), 30, 50);
        assertTrue(narrow.length() <= 50 && narrow.contains("12,288 tokens"), narrow);
        String done = CorpusProgressBar.line("corpus lens", new CorpusWindows.Progress(1000, 1000, 7, 0, 12, 4096), 2, 120);
        assertTrue(done.contains("100%") && !done.contains("left"), done);
        assertEquals(-1, done.indexOf("NaN"), done);
    }
}
