package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EAP-IG graph files are untrusted input: a graph jlens wrote, cut, bit-flipped, its numbers and keys forged, nested
 * deeply or grown large, is loaded or refused in one line without control characters, and the session goes on.
 */
class GraphFileFuzzTest {
    @TempDir
    Path tmp;

    @Test
    void fuzzedGraphFilesLoadOrAreRefusedInOneLine() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec("text \"one two three four one two three four\"",
                "corrupt \"one two three five one two three four\"", "metric logprob \" four\" pos -2", "edges eap");
        Path good = tmp.resolve("good.json");
        b.exec("save " + good);
        b.take();
        String text = Files.readString(good);
        Random r = new Random(7);
        int loaded = 0;
        int refused = 0;
        for (int i = 0; i < 120; i++) {
            String bad = switch (i % 6) {
                case 0 -> text.substring(0, r.nextInt(text.length())); // cut
                case 1 -> flip(text, r);
                case 2 -> text.replaceFirst("\"score\": ?[-0-9.eE]+", "\"score\": " + new String[] {"NaN", "1e999", "\"x\"", "null", "[]"}[r.nextInt(5)]);
                case 3 -> text.replaceFirst("\"n_layers\": ?\\d+", "\"n_layers\": " + new String[] {"-1", "99999999999", "2.5", "\"3\""}[r.nextInt(4)]);
                case 4 -> "[".repeat(1 + r.nextInt(200_000));
                default -> text.replaceFirst("\"(input->[^\"]*)\"", "\"\u001b[2J" + r.nextInt(1000) + "\u0007\"");
            };
            Path f = tmp.resolve("fuzz-" + i + ".json");
            Files.writeString(f, bad, StandardCharsets.UTF_8);
            try {
                b.session().interpreter().run("load " + f);
                loaded++;
            } catch (UserError e) {
                refused++;
                assertFalse(e.getMessage().contains("\n") || e.getMessage().codePoints().anyMatch(Character::isISOControl)
                        || e.getMessage().contains("internal error"), i + ": " + e.getMessage());
            }
            b.take();
        }
        assertEquals(120, loaded + refused);
        assertTrue(refused >= 40, "cut, nested and forged files are refused: " + refused);
        b.exec("load " + good); // the session goes on, and the good file still loads
        assertTrue(b.take().contains("loaded EAP-IG's graph file"));
        System.out.println("[GraphFileFuzzTest] 120 graph files: " + loaded + " loaded, " + refused + " refused in one line");
    }

    private static String flip(String s, Random r) {
        char[] c = s.toCharArray();
        for (int k = 0; k < 1 + r.nextInt(8); k++) {
            c[r.nextInt(c.length)] = (char) (32 + r.nextInt(95));
        }
        return new String(c);
    }
}
