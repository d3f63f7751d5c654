package jlens.chart;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** How many colours the output terminal shows; decides both the glyphs charts draw and the escapes written. */
public enum ColorMode {
    /** 24-bit colour: {@code ESC[38;2;r;g;bm}. */
    TRUECOLOR,
    /** xterm 256 colours, data colours quantised perceptually over indices 16-255. */
    COLOR256,
    /** The 16 ANSI colours for series and chrome; continuous data drawn with shade glyphs. */
    COLOR16,
    /** No escape codes at all; continuous data drawn with an ASCII ramp. */
    MONO;

    /** Whether continuous colour maps can be shown as colours (truecolor and 256). */
    public boolean hasColormaps() {
        return this == TRUECOLOR || this == COLOR256;
    }

    /**
     * Picks a mode from the environment, first match wins: {@code NO_COLOR} set and non-empty, or not a TTY,
     * or {@code TERM} unset, empty or {@code dumb} gives MONO ({@code dumb-color}: COLOR16);
     * {@code COLORTERM=truecolor|24bit} or {@code TERM=*-direct} gives TRUECOLOR; {@code TERM=*256col*} gives
     * COLOR256; anything else COLOR16.
     *
     * @param env the environment, e.g. {@code System.getenv()}
     * @param isTty whether the output is a terminal (a pipe or a file gets MONO)
     */
    public static ColorMode detect(Map<String, String> env, boolean isTty) {
        String noColor = env.get("NO_COLOR");
        if (noColor != null && !noColor.isEmpty()) {
            return MONO;
        }
        if (!isTty) {
            return MONO;
        }
        String term = env.getOrDefault("TERM", "").toLowerCase(Locale.ROOT);
        if (term.isEmpty() || term.equals("dumb")) {
            return MONO;
        }
        if (term.startsWith("dumb")) {
            return COLOR16;
        }
        String colorterm = env.getOrDefault("COLORTERM", "").toLowerCase(Locale.ROOT);
        if (colorterm.equals("truecolor") || colorterm.equals("24bit") || term.endsWith("-direct")) {
            return TRUECOLOR;
        }
        if (term.contains("256col")) {
            return COLOR256;
        }
        return COLOR16;
    }

    /**
     * Reads a user override: {@code truecolor|24bit|rgb}, {@code 256}, {@code 16}, {@code mono|none|off};
     * {@code auto} (or null/blank) gives empty, meaning "detect".
     */
    public static Optional<ColorMode> parse(String name) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> Optional.empty();
            case "truecolor", "24bit", "24", "rgb", "direct" -> Optional.of(TRUECOLOR);
            case "256", "color256", "8bit" -> Optional.of(COLOR256);
            case "16", "color16", "ansi" -> Optional.of(COLOR16);
            case "mono", "none", "off", "no", "plain" -> Optional.of(MONO);
            default -> throw new IllegalArgumentException(
                    "unknown colour mode '" + name + "'; use auto, truecolor, 256, 16 or mono");
        };
    }
}
