package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jlens.chart.TerminalText;
import org.junit.jupiter.api.Test;

/**
 * The token strip and tables line up on a terminal whatever the tokens hold: zero-width and combining characters
 * (whole GPT-2 tokens for U+200B, U+200E, U+00AD, U+0336) are escaped, and cells are measured in display columns.
 */
class TokenStripWidthTest {
    /** The display columns at which {@code c} occurs in {@code line}. */
    private static List<Integer> columns(String line, char c) {
        List<Integer> at = new ArrayList<>();
        int col = 0;
        for (int i = 0; i < line.length(); ) {
            int cp = line.codePointAt(i);
            if (cp == c) {
                at.add(col);
            }
            col += TerminalText.width(new String(Character.toChars(cp)));
            i += Character.charCount(cp);
        }
        return at;
    }

    @Test
    void separatorsStayInTheirColumns() {
        String[] pieces = {"A", "\u0336", "\u200b", " x", "\u200e", "\u00ad", "\u6f22\u5b57", "e\u0301", "end"};
        String[] lines = TextCommands.strip(pieces, 200).split("\n");
        assertEquals(3, lines.length, String.join("\n", lines));
        String top = lines[0];
        String mid = lines[1];
        assertTrue(TerminalText.isSafe(mid), "nothing a terminal would draw on or skip: " + TerminalText.escape(mid));
        // every separator sits in the gap between two position numbers, one column each
        List<Integer> bars = columns(mid, '|');
        assertEquals(pieces.length - 1, bars.size(), mid);
        List<Integer> gaps = new ArrayList<>(bars);
        for (int g : gaps) {
            assertEquals(' ', top.charAt(top.offsetByCodePoints(0, g)), "the top line has a gap above each separator: "
                    + top + "\n" + mid);
        }
        assertTrue(mid.contains("\u6f22\u5b57"), mid);
        int wide = mid.indexOf("\u6f22\u5b57");
        assertEquals(4, TerminalText.width(mid.substring(wide, mid.indexOf('|', wide))), "a wide token's cell is 4 columns");
    }

    @Test
    void tableColumnsAreMeasuredInDisplayColumns() {
        String t = new TextTable("token", "id").row("\u6f22\u5b57", 1).row("ab", 22).row("e\u0301", 333).toString();
        List<String> rows = t.lines().toList();
        for (String r : rows) {
            assertEquals(TerminalText.width(rows.get(0)), TerminalText.width(r), "every row ends in the same column:\n" + t);
        }
    }
}
