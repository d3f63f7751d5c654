package jlens.figure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import jlens.chart.Chart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PNG is encoded in memory and then written: it never depends on Java's temporary folder (ImageIO's disk cache),
 * and a full disk says so instead of ImageIO's "I/O error writing PNG file!".
 */
class PngInMemoryTest {
    @TempDir
    Path tmp;

    private static Chart chart() {
        return (Chart) FiguresTest.charts().values().iterator().next()[0];
    }

    @Test
    void aPngNeedsNoTemporaryFolder() throws Exception {
        // ImageIO's disk cache goes to its cache folder (Java's temporary folder unless set): one that is gone
        java.io.File gone = java.nio.file.Files.createDirectory(tmp.resolve("gone")).toFile();
        java.io.File savedDir = ImageIO.getCacheDirectory();
        boolean cache = ImageIO.getUseCache();
        ImageIO.setUseCache(true);
        ImageIO.setCacheDirectory(gone);
        java.nio.file.Files.delete(gone.toPath());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Figures.write(chart(), Figures.Format.PNG, Figures.WIDTH, Figures.HEIGHT, out);
        } finally {
            ImageIO.setCacheDirectory(savedDir);
            ImageIO.setUseCache(cache);
        }
        assertEquals(Figures.WIDTH * Figures.PNG_SCALE, ImageIO.read(new ByteArrayInputStream(out.toByteArray())).getWidth());
    }

    @Test
    void aFullDiskIsReportedAsSuch() {
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        IOException e = assertThrows(IOException.class,
                () -> Figures.write(chart(), Figures.Format.PNG, Figures.WIDTH, Figures.HEIGHT, full));
        assertTrue(e.getMessage().contains("No space left"), e.getMessage());
    }
}
