package jlens.chart;

/**
 * The characters a chart draws with, in a Unicode set and an ASCII-only set. Keeping them in one record
 * lets every chart switch to ASCII when the output charset cannot encode the Unicode ones.
 *
 * @param vertical axis line
 * @param horizontal axis line
 * @param corner bottom-left corner of the axes
 * @param cornerRight bottom-right corner where a second y axis meets the x axis
 * @param yTick tick on a left y axis
 * @param yTickRight tick on a right y axis
 * @param xTick tick on the x axis
 * @param eighths vertical bar fill from 1/8 to 8/8 of a cell
 * @param shades a ramp from low to high for continuous values without colour (masked cells use a space)
 * @param markers series markers, one per series (cycling)
 * @param highlight the marker of a highlighted point
 * @param dashed the glyph of a dashed reference line
 * @param halfBlock lower half block: fg is the lower pixel, bg the upper one
 * @param upperHalf upper half block, for a cell whose lower pixel is masked
 * @param braille whether points and lines use braille 2x4 dots (else one ASCII dot character per cell)
 * @param ellipsis the mark of a truncated label
 */
public record Glyphs(
        char vertical,
        char horizontal,
        char corner,
        char cornerRight,
        char yTick,
        char yTickRight,
        char xTick,
        String eighths,
        String shades,
        String markers,
        char highlight,
        char dashed,
        char halfBlock,
        char upperHalf,
        boolean braille,
        char ellipsis) {

    public static final Glyphs UNICODE = new Glyphs(
            '│', '─', '└', '┘', '┤', '├', '┬', "▁▂▃▄▅▆▇█", "░▒▓█", "●■▲◆✚", '◉', '╌', '▄', '▀', true, '…');

    public static final Glyphs ASCII = new Glyphs(
            '|', '-', '+', '+', '+', '+', '+', "..--==##", ".:-=+*#%@", "o#^x+", '@', '-', '#', '#', false, '~');

    /** The ASCII ramp used for continuous values in mono, whatever the charset: 9 levels read better than 4. */
    public static final String MONO_RAMP = ".:-=+*#%@";

    /** A string holding the distinctive Unicode glyphs, to test whether a charset can encode them. */
    String sample() {
        return "" + vertical + horizontal + corner + eighths + shades + markers + halfBlock + '\u28FF' + ellipsis;
    }

    /** The marker of series {@code i}. */
    public char marker(int i) {
        return markers.charAt(Math.floorMod(i, markers.length()));
    }
}
