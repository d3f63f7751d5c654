package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import jlens.analysis.Composition;
import jlens.analysis.QkvPart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compose q|k|v}: the study's numbers drawn and saved; a wrong word is one line. */
class ComposeCommandTest {
    @TempDir
    Path dir;

    @Test
    void drawsTheHeatmapListsTheStrongestPairsAndSaves() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("compose k");
        String out = b.take();
        assertTrue(out.contains("K-composition: how much each later head's k input reads each earlier head's output"), out);
        assertTrue(out.contains("K-composition, sender (row) into receiver (column)"), out);
        Composition.Scores direct = Composition.of(TestSessions.model(), QkvPart.K);
        float best = 0;
        String bestPair = null;
        for (int i = 0; i < direct.rowCount(); i++) {
            Object[] r = direct.row(i);
            if ((Float) r[4] > best) {
                best = (Float) r[4];
                bestPair = r[0] + "." + r[1] + " " + r[2] + "." + r[3];
            }
        }
        String[] top = bestPair.split(" ");
        assertTrue(out.lines().anyMatch(l -> l.matches("\\s*1\\s+" + java.util.regex.Pattern.quote(top[0]) + "\\s+"
                + java.util.regex.Pattern.quote(top[1]) + "\\s+.*")), bestPair + "\n" + out);
        Path npy = dir.resolve("comp.npy");
        b.exec("save " + npy);
        byte[] bytes = Files.readAllBytes(npy);
        String header = new String(bytes, 10, 100, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("'shape': (12, 12)"), header);
        Path csv = dir.resolve("comp.csv");
        b.exec("save " + csv);
        assertEquals(1 + 48, Files.readAllLines(csv).size());
        assertEquals("sender_layer,sender_head,receiver_layer,receiver_head,k_composition", Files.readAllLines(csv).get(0));
        UserError e = assertThrows(UserError.class, () -> b.exec("compose x"));
        assertTrue(e.getMessage().contains("'x' is not one of q, k, v"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
