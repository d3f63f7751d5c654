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
            int type = Character.getType(c);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)
                    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
                    || type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
            boolean mark = type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK;
            if (mark) { // a mark alone has nothing to sit on: it is shown on a dotted circle, as Unicode's charts do
                assertEquals("\u25cc" + s, e, "U+" + Integer.toHexString(c));
                assertTrue(TerminalText.isSafe(e));
                assertEquals(e, TerminalText.escape(e), "idempotent");
                continue;
            }
            assertEquals(1, e.length(), "one character for U+" + Integer.toHexString(c));
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

    @Test
    void formatCharactersAndMarksWithNothingToSitOnAreEscaped() {
        for (String cf : new String[] {"\u200b", "\u200e", "\u00ad", "\u200d", "\ufeff", "\u2028"}) {
            assertFalse(TerminalText.isSafe(cf), "U+" + Integer.toHexString(cf.charAt(0)));
            assertFalse(TerminalText.isSafe("a" + cf + "b"), "U+" + Integer.toHexString(cf.charAt(0)));
            assertEquals("a\ufffdb", TerminalText.escape("a" + cf + "b"));
        }
        // U+0336 (long stroke overlay) as a whole token: alone, or after a separator, it would strike that through
        assertFalse(TerminalText.isSafe("\u0336"));
        assertFalse(TerminalText.isSafe("'\u0336'"), "a mark on a quote");
        assertFalse(TerminalText.isSafe(" \u0301"), "a mark on a space");
        assertEquals("\u25cc\u0336", TerminalText.escape("\u0336"));
        assertEquals("x \u25cc\u0336\u0301", TerminalText.escape("x \u0336\u0301"), "a run of marks shares one circle");
        assertTrue(TerminalText.isSafe("e\u0301"), "a mark on a letter is how accents are written");
        assertEquals("e\u0301t\u00e9", TerminalText.escape("e\u0301t\u00e9"));
        assertTrue(TerminalText.isSafe("\u2764\ufe0f"), "a variation selector on its emoji");
        assertEquals("\u25cc\u0336", TerminalText.escape(TerminalText.escape("\u0336")), "idempotent");
    }

    @Test
    void columnsAreCountedByDisplayWidth() {
        assertEquals(5, TerminalText.width("hello"));
        assertEquals(4, TerminalText.width("\u6f22\u5b57"), "two wide CJK characters");
        assertEquals(1, TerminalText.width("e\u0301"), "a letter and its accent share a column");
        assertEquals(2, TerminalText.width("\ud83d\ude00"), "an emoji is two columns");
        assertEquals(2, TerminalText.width(TerminalText.escape("a\u0336")) + 1, "a kept mark takes no column");
        assertEquals(2, TerminalText.width(TerminalText.escape("\u200ba")), "an escaped format character takes one");
        assertEquals(TerminalText.width(TerminalText.escape("\u0336")), 1, "a mark on its circle takes one");
    }
}
