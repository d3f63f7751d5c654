package jlens.repl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The session's knobs, changed with {@code set KEY VALUE}. Each setter validates first and changes nothing on
 * a bad value.
 */
public final class Settings {
    /** Keys {@code set} knows, in the order {@code set} lists them. */
    public static final List<String> KEYS = List.of("width", "height", "color", "background", "glyphs", "bins", "pos0", "layer",
            "budget");

    private int width; // 0: follow the terminal
    private int height; // 0: auto, fit the terminal (20 rows without one)
    private String color = "auto";
    private String background = "auto";
    private String glyphs = "auto";
    private int bins = 100;
    private boolean includePos0;
    private int layer;
    private long captureBudgetBytes = 4L << 30;

    /** Chart width in columns; 0 means the terminal's width (80 without a terminal). */
    public int width() {
        return width;
    }

    /** Chart height in rows; 0 means auto: what fits the terminal with the command line and a prompt (20 without one). */
    public int height() {
        return height;
    }

    /** auto (what the terminal reports, else dark), dark or light: what lines and dots must stay visible on. */
    public String background() {
        return background;
    }

    /** auto, truecolor, 256, 16 or mono. */
    public String color() {
        return color;
    }

    /** auto (Unicode unless the locale or the output charset says otherwise), unicode or ascii. */
    public String glyphs() {
        return glyphs;
    }

    public int bins() {
        return bins;
    }

    /** Whether demos 1 and 2 keep position 0 (the notebook leaves it out: it is an attention sink). */
    public boolean includePos0() {
        return includePos0;
    }

    /** The layer commands use when none is given; the last layer named on a command line. */
    public int layer() {
        return layer;
    }

    void layer(int l) {
        layer = l;
    }

    /** Most bytes a {@code run} may capture before it refuses (protects a GPU box from a huge hook list). */
    public long captureBudgetBytes() {
        return captureBudgetBytes;
    }

    /** Sets one key from its text form; throws {@link UserError} and changes nothing on a bad value. */
    void set(String key, String value, int nLayer) {
        switch (key.toLowerCase(Locale.ROOT)) {
            case "width" -> width = value.equalsIgnoreCase("auto") ? 0 : chartWidth(value);
            case "height" -> height = value.equalsIgnoreCase("auto") ? 0 : intIn(key, value, 8, 500);
            case "background" -> background = oneOf(key, value, List.of("auto", "dark", "light"));
            case "color", "colour" -> color = colorWord(value);
            case "glyphs" -> glyphs = oneOf(key, value, List.of("auto", "unicode", "ascii"));
            case "bins" -> bins = intIn(key, value, 2, 10_000);
            case "pos0" -> includePos0 = Args.parseBoolean(value, "pos0");
            case "layer" -> layer = Args.index(value, nLayer, "layer", "the model has " + nLayer + " layers", "set layer N");
            case "budget" -> captureBudgetBytes = bytes(value);
            default -> throw new UserError("unknown setting '" + key + "'; settings are " + String.join(", ", KEYS));
        }
    }

    /** Every setting and its value, for {@code set} with no arguments. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("width", width == 0 ? "auto" : Integer.toString(width));
        m.put("height", height == 0 ? "auto" : Integer.toString(height));
        m.put("color", color);
        m.put("background", background);
        m.put("glyphs", glyphs);
        m.put("bins", Integer.toString(bins));
        m.put("pos0", includePos0 ? "on" : "off");
        m.put("layer", Integer.toString(layer));
        m.put("budget", size(captureBudgetBytes));
        return m;
    }

    static List<String> valuesFor(String key) {
        return switch (key.toLowerCase(Locale.ROOT)) {
            case "width" -> List.of("auto", "80", "120", "200");
            case "height" -> List.of("auto", "20", "40");
            case "background" -> List.of("auto", "dark", "light");
            case "color", "colour" -> List.of("auto", "truecolor", "256", "16", "mono");
            case "glyphs" -> List.of("auto", "unicode", "ascii");
            case "bins" -> List.of("20", "50", "100");
            case "pos0" -> List.of("on", "off");
            case "budget" -> List.of("512M", "2G", "8G");
            default -> List.of();
        };
    }

    private static String colorWord(String v) {
        String w = v.toLowerCase(Locale.ROOT);
        return switch (w) {
            case "auto", "truecolor", "24bit", "256", "16", "mono", "none", "off" -> switch (w) {
                case "24bit" -> "truecolor";
                case "none", "off" -> "mono";
                default -> w;
            };
            default -> throw new UserError("color takes auto, truecolor, 256, 16 or mono, not '" + v + "'");
        };
    }

    private static String oneOf(String key, String v, List<String> allowed) {
        String w = v.toLowerCase(Locale.ROOT);
        if (!allowed.contains(w)) {
            throw new UserError(key + " takes " + String.join(", ", allowed) + ", not '" + v + "'");
        }
        return w;
    }

    /**
     * The narrowest width every chart draws at (the every-layer histogram, with its axis and three columns, needs
     * the most): a width below it would be accepted here and fail at the next chart.
     */
    static final int MIN_CHART_WIDTH = 40;

    private static int chartWidth(String v) {
        long n = Args.parseLong(v, "width", "set width N");
        if (n > 0 && n < MIN_CHART_WIDTH) {
            throw new UserError("width " + v + " is below the " + MIN_CHART_WIDTH + " columns the charts need; use "
                    + MIN_CHART_WIDTH + "..1000 or auto");
        }
        return intIn("width", v, MIN_CHART_WIDTH, 1000);
    }

    private static int intIn(String key, String v, int lo, int hi) {
        long n = Args.parseLong(v, key, "set " + key + " N");
        if (n < lo || n > hi) {
            throw new UserError(key + " " + v + " is out of range: use " + lo + ".." + hi);
        }
        return (int) n;
    }

    /** A byte count in the largest unit that writes it exactly ({@code 4G}, {@code 512M}, {@code 1B}). */
    static String size(long bytes) {
        for (String unit : new String[] {"G", "M", "K"}) {
            long u = unit.equals("G") ? 1L << 30 : unit.equals("M") ? 1L << 20 : 1L << 10;
            if (bytes % u == 0) {
                return bytes / u + unit;
            }
        }
        return bytes + "B";
    }

    private static long bytes(String v) {
        String s = v.strip().toUpperCase(Locale.ROOT);
        if (s.endsWith("B") && s.length() > 1) {
            s = s.substring(0, s.length() - 1); // 2GB, 1B: the B is only the unit's name
        }
        long unit = 1;
        if (s.endsWith("G")) {
            unit = 1L << 30;
        } else if (s.endsWith("M")) {
            unit = 1L << 20;
        } else if (s.endsWith("K")) {
            unit = 1L << 10;
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        long n = Args.parseLong(s, "budget", "set budget 2G");
        if (n <= 0 || n > (1L << 50) / unit) {
            throw new UserError("budget " + v + " is out of range: give a size such as 512M or 4G");
        }
        return n * unit;
    }
}
