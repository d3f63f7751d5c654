package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Charts fall back to ASCII glyphs where the terminal cannot show Unicode, and the user can choose. */
class GlyphsTest {
    @Test
    void theLocaleDecidesWhetherUnicodeIsSafe() {
        assertTrue(Console.localeAllowsUnicode(Map.of()));
        assertTrue(Console.localeAllowsUnicode(Map.of("LANG", "en_GB.UTF-8")));
        assertTrue(Console.localeAllowsUnicode(Map.of("LANG", "C", "LC_ALL", "C.utf8")), "LC_ALL wins over LANG");
        assertFalse(Console.localeAllowsUnicode(Map.of("LANG", "C")));
        assertFalse(Console.localeAllowsUnicode(Map.of("LANG", "en_US.UTF-8", "LC_CTYPE", "POSIX")), "LC_CTYPE before LANG");
        assertFalse(Console.localeAllowsUnicode(Map.of("LC_ALL", "de_DE.ISO-8859-1")));
    }

    @Test
    void setGlyphsAsciiDrawsChartsInAscii() {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("text \"Be who you are and say what you feel\"", "hook layer all", "run", "set glyphs ascii");
        b.take();
        b.exec("hist 1");
        String chart = b.take();
        assertTrue(chart.contains("density"), chart);
        assertTrue(chart.chars().allMatch(c -> c < 128), "only ASCII after 'set glyphs ascii':\n" + chart);
        b.exec("set glyphs unicode", "hist 1");
        assertFalse(b.take().chars().allMatch(c -> c < 128), "Unicode glyphs again");
        UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> b.exec("set glyphs braille"));
        assertTrue(e.getMessage().contains("glyphs takes auto, unicode, ascii"), e.getMessage());
        assertEquals("unicode", b.session().settings().glyphs(), "a bad value changes nothing");
    }
}
