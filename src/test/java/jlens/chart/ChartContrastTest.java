package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every chart kind, in 24-bit and 256 colours, on a dark and on a light background, at a small and a large
 * size: every coloured glyph drawn on the terminal's background (lines, dots, markers, bars, labels) has at
 * least 3:1 contrast against it, and every heatmap cell 1.5:1.
 */
class ChartContrastTest {
    static final int[][] SIZES = {{80, 12}, {80, 24}, {200, 50}};

    @Test
    void everyColouredGlyphReachesThreeToOneOnItsBackground() {
        Map<String, Double> worst = new LinkedHashMap<>();
        for (Rendering d : renderings()) {
            AnsiContrast.Result r = AnsiContrast.measure(d.ansi(), d.background());
            assertEquals(0, r.below(), d + ": " + r);
            worst.merge(d.mode() + " " + d.background(), r.worst(), Math::min);
        }
        // Something coloured was judged in every mode and background (the test cannot pass on empty output).
        assertEquals(4, worst.size());
        worst.values().forEach(w -> assertTrue(w >= Contrast.MIN && w < 21));
        System.out.println("worst contrast per mode and background: " + worst);
    }

    /**
     * Every painted cell (heatmap cells, both halves of a half block, colour bar steps) stands out from the
     * terminal's background by 1.5:1, as {@code ansi_contrast.py --cells 1.5} measures: a value at the colour map's
     * dark end must not vanish into a dark terminal, nor the pale end into a light one.
     */
    @Test
    void everyHeatmapCellStandsOutFromTheBackground() {
        int judged = 0;
        for (Rendering d : renderings()) {
            AnsiContrast.Result r = AnsiContrast.measureCells(d.ansi(), d.background(), 1.5);
            assertEquals(0, r.below(), d + ": " + r);
            judged += r.total();
        }
        assertTrue(judged > 10_000, "cells judged: " + judged);
    }

    /** A sample chart drawn in 24-bit or 256 colours on one background at one size. */
    record Rendering(String name, ColorMode mode, Background background, int[] size, String ansi) {
        @Override
        public String toString() {
            return name + " " + size[0] + "x" + size[1] + " " + mode + " " + background;
        }
    }

    /** Every sample chart in 24-bit and 256 colours, on both backgrounds, at every size. */
    private static java.util.List<Rendering> renderings() {
        Map<String, Chart> charts = new LinkedHashMap<>(Samples.all());
        charts.putAll(Samples.extra());
        java.util.List<Rendering> out = new java.util.ArrayList<>();
        for (Map.Entry<String, Chart> e : charts.entrySet()) {
            for (ColorMode mode : new ColorMode[] {ColorMode.TRUECOLOR, ColorMode.COLOR256}) {
                for (Background bg : Background.values()) {
                    for (int[] size : SIZES) {
                        out.add(new Rendering(e.getKey(), mode, bg, size,
                                e.getValue().toText(size[0], size[1], new RenderStyle(mode, true, bg))));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void sixteenColourSeriesStayVisibleOnBothBackgrounds() {
        // 16 colours are read on the xterm palette (as the contrast tool reads them): its green, yellow and cyan
        // are under 3:1 on white, so on a light background no series may be drawn in them (V was green).
        Map<String, Chart> charts = new LinkedHashMap<>(Samples.all());
        charts.putAll(Samples.extra());
        int judged = 0;
        for (Map.Entry<String, Chart> e : charts.entrySet()) {
            for (Background bg : Background.values()) {
                RenderStyle style = new RenderStyle(ColorMode.COLOR16, true, bg);
                for (int[] size : SIZES) {
                    AnsiContrast.Result r = AnsiContrast.measure(e.getValue().toText(size[0], size[1], style), bg);
                    assertEquals(0, r.below(), e.getKey() + " " + size[0] + "x" + size[1] + " 16 colours " + bg + ": " + r);
                    judged += r.total();
                }
            }
        }
        assertTrue(judged > 0, "nothing coloured was judged");
        for (Background bg : Background.values()) {
            for (int i = 0; i < 8; i++) {
                int shown = Xterm256.rgbOf(Xterm256.nearest16(Colormaps.categorical(i, bg, ColorMode.COLOR16)));
                assertTrue(Contrast.ratio(shown, bg.rgb()) >= Contrast.TARGET, "series " + i + " on " + bg + ": #"
                        + Integer.toHexString(shown));
            }
        }
    }

    @Test
    void aSingleSeriesNeverTakesAMapEnd() {
        // The ablation line, coloured by layer along magma, used to be drawn in magma's rgb(0,0,4).
        LinePlot plot = new LinePlot("one series").colorBy(new ColorBy(Colormaps.MAGMA, 0, 35, "layer"))
                .add(LinePlot.Series.overIndex("ablated", new double[] {-3, -2.5, -2.9, -3.4, -3.1}));
        for (Background bg : Background.values()) {
            String ansi = plot.toText(80, 20, new RenderStyle(ColorMode.TRUECOLOR, true, bg));
            assertTrue(ansi.contains(String.format("38;2;%d;%d;%d", (Colormaps.categorical(0, bg) >> 16) & 0xFF,
                    (Colormaps.categorical(0, bg) >> 8) & 0xFF, Colormaps.categorical(0, bg) & 0xFF)), bg.toString());
            assertTrue(!ansi.contains("38;2;0;0;4"), bg.toString());
        }
    }
}
