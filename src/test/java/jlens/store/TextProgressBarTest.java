package jlens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextProgressBarTest {
    @Test
    void terminalModeRedrawsOneLineAndFitsTheWidth() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        TextProgressBar bar = new TextProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), true, 80);
        bar.onProgress(new DownloadProgress("model.safetensors", 250_100_000, 548_100_000, 12_300_000, false));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\r"));
        assertFalse(out.contains("\n"));
        assertTrue(out.contains(" 45% [") && out.contains("250.1 MB / 548.1 MB") && out.contains("12.3 MB/s")
                && out.contains("0:25 left"), out);
        assertTrue(out.length() - 1 <= 79, out.length() + ": " + out);
        bar.onProgress(new DownloadProgress("model.safetensors", 548_100_000, 548_100_000, 12_300_000, true));
        assertTrue(buf.toString(StandardCharsets.UTF_8).endsWith("done\n"));
        String narrow = new TextProgressBar(System.out, true, 40)
                .line(new DownloadProgress("model.safetensors", 1, 2, 3, false));
        assertTrue(narrow.length() <= 60, narrow);
    }

    @Test
    void plainModePrintsATenthAtATime() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        TextProgressBar bar = new TextProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), false, 0);
        for (int i = 0; i <= 1000; i++) {
            bar.onProgress(new DownloadProgress("m", i, 1000, 100, i == 1000));
        }
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(11, lines.length, String.join("|", lines));
        assertFalse(buf.toString(StandardCharsets.UTF_8).contains("\r"));
        assertEquals("downloading m: 100% 1.0 kB of 1.0 kB done", lines[10]);
    }

    @Test
    void sizesUseDecimalUnits() {
        assertEquals("999 B", TextProgressBar.bytes(999));
        assertEquals("1.5 kB", TextProgressBar.bytes(1500));
        assertEquals("6.2 GB", TextProgressBar.bytes(6_200_000_000L));
        assertEquals("1:01:01", TextProgressBar.duration(3661));
    }
}
