package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
    @Test
    void everyControlCharacterBecomesOneVisibleCharacter() {
        for (int c = 0; c < 0x10000; c++) {
            if (Character.isSurrogate((char) c)) {
                continue;
            }
            String s = String.valueOf((char) c);
            String e = TerminalText.escape(s);
            assertEquals(1, e.length(), "one column for U+" + Integer.toHexString(c));
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)
                    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
            assertEquals(!control, e.equals(s), "U+" + Integer.toHexString(c));
            assertTrue(TerminalText.isSafe(e));
            assertEquals(e, TerminalText.escape(e), "idempotent");
        }
    }

    @Test
    void hostileTokenStringsAreDefused() {
        String osc52 = "\u001b]52;c;aGk=\u0007";
        assertEquals("␛]52;c;aGk=␇", TerminalText.escape(osc52));
        assertEquals("a␛[2Jb␊", TerminalText.escape("a\u001b[2Jb\n"));
        assertEquals("�31m", TerminalText.escape("\u009b31m"));
        assertEquals("x�y", TerminalText.escape("x\u202ey"));
        assertEquals("Ġwho 😀", TerminalText.escape("Ġwho 😀"), "printable text and surrogate pairs are kept");
        assertEquals("a�b", TerminalText.escape("a\ud800b"), "an unpaired surrogate");
        assertFalse(TerminalText.isSafe(osc52));
    }

    @Test
    void echoCutsLongArgumentsWithAnEllipsis() {
        String huge = "x".repeat(1_000_000);
        String e = TerminalText.echo(huge);
        assertEquals(TerminalText.ECHO_LIMIT, e.length());
        assertTrue(e.endsWith("…"));
        assertEquals("short", TerminalText.echo("short"));
    }
}
