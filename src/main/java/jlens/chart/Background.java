package jlens.chart;

import java.util.Locale;
import java.util.Optional;

/**
 * The terminal's own background, which every glyph drawn without a background colour sits on. Lines, dots,
 * markers and bars pick colours that stay visible on it; heatmap cells carry their own background and keep
 * the full colour map.
 */
public enum Background {
    /** A dark background, judged against black. */
    DARK(0x000000),
    /** A light background, judged against white. */
    LIGHT(0xFFFFFF);

    private final int rgb;

    Background(int rgb) {
        this.rgb = rgb;
    }

    /** The colour charts are made readable against: black or white, the extreme of each kind. */
    public int rgb() {
        return rgb;
    }

    /** DARK or LIGHT for a colour the terminal reported (OSC 11): whichever of black and white it is farther from. */
    public static Background of(int rgb) {
        return Contrast.ratio(rgb, 0x000000) > Contrast.ratio(rgb, 0xFFFFFF) ? LIGHT : DARK;
    }

    private static final java.util.regex.Pattern OSC11 = java.util.regex.Pattern.compile(
            "\\]11;rgba?:([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})");

    /**
     * The background from a terminal's answer to OSC 11 ({@code ESC ] 11 ; ? BEL}), such as
     * {@code ESC ] 11 ; rgb:1e1e/1e1e/1e1e BEL}; empty when the text holds no such answer.
     */
    public static Optional<Background> fromOsc11Reply(String reply) {
        if (reply == null) {
            return Optional.empty();
        }
        java.util.regex.Matcher m = OSC11.matcher(reply);
        if (!m.find()) {
            return Optional.empty();
        }
        int rgb = 0;
        for (int i = 1; i <= 3; i++) {
            String hex = m.group(i);
            double max = Math.pow(16, hex.length()) - 1; // xterm scales by the digits given: f, ff, fff, ffff
            rgb = rgb << 8 | (int) Math.round(Integer.parseInt(hex, 16) / max * 255);
        }
        return Optional.of(of(rgb));
    }

    /** Reads {@code dark} or {@code light}; {@code auto} (or blank) gives empty, meaning "ask the terminal". */
    public static Optional<Background> parse(String name) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> Optional.empty();
            case "dark", "black" -> Optional.of(DARK);
            case "light", "white" -> Optional.of(LIGHT);
            default -> throw new IllegalArgumentException("unknown background '" + name + "'; use dark, light or auto");
        };
    }
}
