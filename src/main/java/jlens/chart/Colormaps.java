package jlens.chart;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one place that holds the colour maps and the categorical palette.
 *
 * <p>magma, inferno, plasma and viridis are the 256-entry matplotlib maps by N. J. Smith, S. van der Walt
 * and (viridis) E. Firing, released under CC0; the table is read from {@code colormaps.txt} next to this
 * class. coolwarm is K. Moreland's diverging map, computed from its published definition ({@link CoolWarm}).
 */
public final class Colormaps {
    private static final Map<String, Colormap> MAPS = load();

    public static final Colormap MAGMA = MAPS.get("magma");
    public static final Colormap INFERNO = MAPS.get("inferno");
    public static final Colormap PLASMA = MAPS.get("plasma");
    public static final Colormap VIRIDIS = MAPS.get("viridis");
    /** Blue through white to red, for values around a centre (a change from a clean run). */
    public static final Colormap COOLWARM = register(new Colormap("coolwarm", CoolWarm.table(257)));

    private static final java.util.concurrent.ConcurrentHashMap<String, Colormap> READABLE =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Series colours for Q, K, V and further series: distinct hues of similar lightness that read on dark and
     * light backgrounds. Their xterm-256 neighbours are all in the 16-255 range, so no theme changes them.
     */
    private static final int[] CATEGORICAL = {
        0x4C9BE8, // blue   (Q)
        0xF28E2B, // orange (K)
        0x59C159, // green  (V)
        0xE15759, // red
        0xB07AA1, // purple
        0xEDC948, // yellow
        0x76B7B2, // teal
        0xFF9DA7, // pink
    };

    /** The same hues, darker, for a light background (each at least 3:1 against white, in 256 colours too). */
    private static final int[] CATEGORICAL_LIGHT = {
        0x1F6FB4, // blue   (Q)
        0xC4570A, // orange (K)
        0x2E8B2E, // green  (V)
        0xC62828, // red
        0x8E4E9E, // purple
        0x8A6A00, // yellow
        0x1F7F7A, // teal
        0xC2185B, // pink
    };

    /** Base-colour indices for series on a light 16-colour terminal: blue, red, magenta, bright blue, bright red. */
    private static final int[] CATEGORICAL16_LIGHT = {4, 1, 5, 12, 9};

    private Colormaps() {}

    /** The map called {@code name} (case-insensitive), or an exception listing the known names. */
    public static Colormap byName(String name) {
        Colormap map = MAPS.get(name.toLowerCase(Locale.ROOT));
        if (map == null) {
            throw new IllegalArgumentException("unknown colour map '" + name + "'; known: " + names());
        }
        return map;
    }

    /** The names of the known maps, in a stable order. */
    public static List<String> names() {
        return List.copyOf(MAPS.keySet());
    }

    /** The {@code i}-th categorical series colour (cycling), for a dark background. */
    public static int categorical(int i) {
        return CATEGORICAL[Math.floorMod(i, CATEGORICAL.length)];
    }

    /** The {@code i}-th categorical series colour (cycling) that reads on {@code background}. */
    public static int categorical(int i, Background background) {
        int[] palette = background == Background.LIGHT ? CATEGORICAL_LIGHT : CATEGORICAL;
        return palette[Math.floorMod(i, palette.length)];
    }

    /**
     * The {@code i}-th categorical series colour (cycling) that reads on {@code background} in {@code mode}. A
     * 16-colour terminal shows one of its base colours instead (see {@link Xterm256#nearest16}); on a light
     * background the xterm green, yellow and cyan, normal or bright, are all under 3:1 against white, so there the
     * series take the base colours that read: blue, red, magenta and their bright variants (Q blue, K red, V
     * magenta). On a dark background every hue has a bright variant that reads, and the 24-bit palette maps to it.
     */
    public static int categorical(int i, Background background, ColorMode mode) {
        if (mode == ColorMode.COLOR16 && background == Background.LIGHT) {
            return Xterm256.rgbOf(CATEGORICAL16_LIGHT[Math.floorMod(i, CATEGORICAL16_LIGHT.length)]);
        }
        return categorical(i, background);
    }

    /** The colour of a highlighted point or a label: a red that reads on {@code background}. */
    public static int highlight(Background background) {
        return background == Background.LIGHT ? 0xC62828 : 0xFF5F5F;
    }

    /**
     * The part of {@code map} whose colours stay visible as lines and dots on {@code background} (at least
     * 3:1, in 24-bit and in 256 colours): the longest run of entries that do, as a map of its own. magma on a
     * dark background loses its black end, on a light one its pale yellow end.
     */
    public static Colormap readable(Colormap map, Background background) {
        return readable(map, background, ColorMode.TRUECOLOR);
    }

    /**
     * As {@link #readable(Colormap, Background)} for a terminal in {@code mode}: in 16 colours, the run whose base
     * colours read (magma on a light background keeps its purples and reds, not the yellow end, whose base colour
     * is under 3:1 on white).
     */
    public static Colormap readable(Colormap map, Background background, ColorMode mode) {
        ColorMode judged = mode == ColorMode.COLOR16 ? mode : ColorMode.TRUECOLOR; // 24-bit and 256 judge alike
        return READABLE.computeIfAbsent(map.name() + "/" + background + "/" + judged + "/" + map.size() + "/"
                + map.low() + "/" + map.high(), k -> readableRun(map, background, judged));
    }

    /** What every heatmap cell reaches against the terminal's background (1.5:1 asked for, a margin over it). */
    static final double CELL_TARGET = 1.6;

    private static final java.util.concurrent.ConcurrentHashMap<String, Colormap> CELLS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code map} for heatmap cells on {@code background}: every colour stands out from the background by at
     * least {@value #CELL_TARGET}:1, in 24-bit and in 256 colours, so a value at the map's dark end does not vanish
     * into a dark terminal (nor the pale end into a light one). Where the colours that fall short are at an end
     * of the map (magma's black, viridis' yellow) that end is left out, so the map keeps its own colours; where
     * they are inside it (coolwarm's white centre on a light terminal) each is darkened (lightened) just enough,
     * so the centre stays the centre. The colour bar is drawn with the same map.
     */
    public static Colormap forCells(Colormap map, Background background) {
        return CELLS.computeIfAbsent(map.name() + "/" + background + "/" + map.size() + "/" + map.low() + "/" + map.high(),
                k -> cellMap(map, background));
    }

    static boolean cellReadable(int rgb, Background background) {
        return Contrast.against(rgb, ColorMode.TRUECOLOR, background) >= CELL_TARGET
                && Contrast.against(rgb, ColorMode.COLOR256, background) >= CELL_TARGET;
    }

    private static Colormap cellMap(Colormap map, Background background) {
        int[] table = map.table();
        int start = 0;
        int end = table.length;
        while (start < end && !cellReadable(table[start], background)) {
            start++;
        }
        while (end > start && !cellReadable(table[end - 1], background)) {
            end--;
        }
        if (end - start < table.length / 2) { // most of it falls short: adjust every colour instead
            start = 0;
            end = table.length;
        }
        int[] kept = java.util.Arrays.copyOfRange(table, start, end);
        for (int i = 0; i < kept.length; i++) {
            kept[i] = cellColour(kept[i], background);
        }
        return new Colormap(map.name(), kept);
    }

    /** {@code rgb}, or the nearest colour toward black (light background) or white (dark) that reaches the target. */
    private static int cellColour(int rgb, Background background) {
        int toward = background == Background.LIGHT ? 0x000000 : 0xFFFFFF;
        for (int step = 0; step <= 100 && !cellReadable(rgb, background); step++) {
            rgb = blend(rgb, toward, 0.02);
        }
        return rgb;
    }

    private static int blend(int a, int b, double t) {
        int out = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            double ca = (a >> shift) & 0xFF;
            double cb = (b >> shift) & 0xFF;
            out |= (int) Math.round(ca + (cb - ca) * t) << shift;
        }
        return out;
    }

    private static Colormap readableRun(Colormap map, Background background, ColorMode mode) {
        int[] table = map.table();
        int bestStart = 0;
        int bestLength = 0;
        for (int i = 0; i < table.length; ) {
            if (!Contrast.readable(table[i], background, mode)) {
                i++;
                continue;
            }
            int j = i;
            while (j < table.length && Contrast.readable(table[j], background, mode)) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        if (bestLength < 2) {
            return map; // nothing better to offer; never the case for the maps here
        }
        return new Colormap(map.name(), java.util.Arrays.copyOfRange(table, bestStart, bestStart + bestLength));
    }

    private static Colormap register(Colormap map) {
        MAPS.put(map.name(), map);
        return map;
    }

    private static Map<String, Colormap> load() {
        Map<String, Colormap> maps = new LinkedHashMap<>();
        try (InputStream in = Colormaps.class.getResourceAsStream("colormaps.txt")) {
            if (in == null) {
                throw new IllegalStateException("colormaps.txt missing from the class path");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String name = null;
            List<Integer> colours = new ArrayList<>();
            for (String line; (line = reader.readLine()) != null; ) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.matches("[0-9a-fA-F]{6}")) {
                    colours.add(Integer.parseInt(line, 16));
                } else {
                    put(maps, name, colours);
                    name = line;
                    colours = new ArrayList<>();
                }
            }
            put(maps, name, colours);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return maps;
    }

    private static void put(Map<String, Colormap> maps, String name, List<Integer> colours) {
        if (name != null) {
            maps.put(name, new Colormap(name, colours.stream().mapToInt(Integer::intValue).toArray()));
        }
    }
}
