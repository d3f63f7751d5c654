package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ColormapsTest {
    static final List<String> SEQUENTIAL = List.of("magma", "inferno", "plasma", "viridis");

    @Test
    void fourSequentialMapsOf256EntriesAndOneDivergingMap() {
        assertEquals(List.of("magma", "inferno", "plasma", "viridis", "coolwarm"), Colormaps.names());
        for (String name : SEQUENTIAL) {
            assertEquals(256, Colormaps.byName(name).size(), name);
        }
        assertEquals(Colormaps.MAGMA, Colormaps.byName("Magma"));
        assertThrows(IllegalArgumentException.class, () -> Colormaps.byName("jet"));
    }

    @Test
    void magmaRunsFromNearBlackToPaleYellowAsPublished() {
        // The published ends of magma: (0.001462, 0.000466, 0.013866) and (0.987053, 0.991438, 0.749504).
        assertEquals(0x000004, Colormaps.MAGMA.low());
        assertEquals(0xFCFDBF, Colormaps.MAGMA.high());
        assertEquals(Colormaps.MAGMA.low(), Colormaps.MAGMA.rgb(-3));
        assertEquals(Colormaps.MAGMA.high(), Colormaps.MAGMA.rgb(7));
        assertEquals(Colormaps.MAGMA.low(), Colormaps.MAGMA.rgb(Double.NaN));
    }

    @Test
    void everyMapGetsLighterAlongItsLength() {
        // The defining property of these maps: lightness rises steadily, so they read as order in any mode.
        for (String name : SEQUENTIAL) {
            Colormap map = Colormaps.byName(name);
            double previous = -1;
            for (int i = 0; i < map.size(); i += 8) {
                double lightness = Xterm256.lab(map.rgb(i / 255.0))[0];
                assertTrue(lightness > previous - 0.5, name + " darkens at entry " + i);
                previous = lightness;
            }
        }
    }

    @Test
    void xterm256MatchesThemselvesAndNeverUsesThemeColours() {
        for (int i = 16; i < 256; i++) {
            assertEquals(i, Xterm256.nearest256(Xterm256.rgbOf(i)), "palette colour " + i);
        }
        for (int rgb = 0; rgb < 0x1000000; rgb += 0x0F0F0F) {
            assertTrue(Xterm256.nearest256(rgb) >= 16);
            assertNotEquals(0, Xterm256.nearest16(rgb), "black would vanish on a dark background");
        }
    }

    @Test
    void seriesColoursStayApartInEveryMode() {
        for (Background bg : Background.values()) {
            Set<Integer> in256 = new HashSet<>();
            Set<Integer> in16 = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                in256.add(Xterm256.nearest256(Colormaps.categorical(i, bg)));
                in16.add(Xterm256.nearest16(Colormaps.categorical(i, bg)));
            }
            assertEquals(3, in256.size(), "Q, K and V must differ in 256 colours on " + bg);
            assertEquals(3, in16.size(), "Q, K and V must differ in 16 colours on " + bg);
            for (int i = 0; i < 3; i++) {
                int index = Xterm256.nearest16(Colormaps.categorical(i, bg));
                assertTrue(index != 7 && index != 8 && index != 15, "series " + i + " turned grey in 16 colours");
            }
        }
    }

    @Test
    void seriesHighlightAndChromeColoursReachThreeToOneOnTheirBackground() {
        for (Background bg : Background.values()) {
            List<Integer> colours = new java.util.ArrayList<>(List.of(Colormaps.highlight(bg), Draw.CHROME));
            for (int i = 0; i < 8; i++) {
                colours.add(Colormaps.categorical(i, bg));
            }
            for (int rgb : colours) {
                for (ColorMode mode : List.of(ColorMode.TRUECOLOR, ColorMode.COLOR256)) {
                    double ratio = Contrast.against(rgb, mode, bg);
                    assertTrue(ratio >= Contrast.MIN, String.format("%06X on %s in %s: %.2f", rgb, bg, mode, ratio));
                }
            }
        }
        // The dark palette on white would fail: the light one is not there for show.
        assertTrue(Contrast.against(Colormaps.categorical(0, Background.DARK), ColorMode.TRUECOLOR, Background.LIGHT) < 3);
    }

    @Test
    void readablePartOfAMapDropsTheEndThatVanishesOnTheBackground() {
        for (String name : SEQUENTIAL) {
            for (Background bg : Background.values()) {
                Colormap part = Colormaps.readable(Colormaps.byName(name), bg);
                assertTrue(part.size() >= 64, name + " on " + bg + " keeps only " + part.size());
                for (int i = 0; i < part.size(); i++) {
                    assertTrue(Contrast.against(part.table()[i], ColorMode.TRUECOLOR, bg) >= Contrast.MIN, name);
                    assertTrue(Contrast.against(part.table()[i], ColorMode.COLOR256, bg) >= Contrast.MIN, name);
                }
            }
        }
        // magma: its near-black start goes on a dark background, its pale yellow end on a light one.
        assertNotEquals(Colormaps.MAGMA.low(), Colormaps.readable(Colormaps.MAGMA, Background.DARK).low());
        assertEquals(Colormaps.MAGMA.high(), Colormaps.readable(Colormaps.MAGMA, Background.DARK).high());
        assertEquals(Colormaps.MAGMA.low(), Colormaps.readable(Colormaps.MAGMA, Background.LIGHT).low());
        assertNotEquals(Colormaps.MAGMA.high(), Colormaps.readable(Colormaps.MAGMA, Background.LIGHT).high());
    }

    @Test
    void readablePartInSixteenColoursIsJudgedByTheBaseColourShown() {
        for (String name : SEQUENTIAL) {
            for (Background bg : Background.values()) {
                Colormap part = Colormaps.readable(Colormaps.byName(name), bg, ColorMode.COLOR16);
                assertTrue(part.size() >= 16, name + " on " + bg + " keeps only " + part.size());
                for (int i = 0; i < part.size(); i++) {
                    assertTrue(Contrast.against(part.table()[i], ColorMode.COLOR16, bg) >= Contrast.MIN, name + " on " + bg);
                }
            }
        }
        // viridis on white: its green and yellow end is sent as xterm green or yellow (under 3:1), so it goes in 16
        // colours though its 24-bit colours read
        Colormap viridis = Colormaps.byName("viridis");
        assertNotEquals(viridis.high(), Colormaps.readable(viridis, Background.LIGHT, ColorMode.COLOR16).high());
        assertTrue(Contrast.against(Colormaps.readable(viridis, Background.LIGHT).high(), ColorMode.COLOR16, Background.LIGHT) < Contrast.MIN);
    }

    @Test
    void coolWarmMatchesMorelandsPublishedEndsAndWhiteCentre() {
        // Moreland (2009): cool end (59, 76, 192), warm end (180, 4, 38), centre about (221, 221, 221).
        Colormap map = Colormaps.COOLWARM;
        assertClose(0x3B4CC0, map.low(), 1);
        assertClose(0xB40426, map.high(), 1);
        assertClose(0xDDDDDD, map.rgb(0.5), 2);
        // Lightness rises to the centre and falls after it, symmetrically.
        double[] l = new double[map.size()];
        for (int i = 0; i < map.size(); i++) {
            l[i] = Xterm256.lab(map.table()[i])[0];
        }
        int middle = map.size() / 2;
        for (int i = 1; i <= middle; i++) {
            assertTrue(l[i] >= l[i - 1] - 0.3, "coolwarm darkens before the centre at " + i);
            assertTrue(l[map.size() - 1 - i] >= l[map.size() - i] - 0.3, "coolwarm darkens after the centre at " + i);
        }
        assertEquals(l[middle / 2], l[map.size() - 1 - middle / 2], 3.0, "the two halves are about as light");
    }

    private static void assertClose(int expected, int actual, int tolerance) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int e = (expected >> shift) & 0xFF;
            int a = (actual >> shift) & 0xFF;
            assertTrue(Math.abs(e - a) <= tolerance, String.format("expected %06X, got %06X", expected, actual));
        }
    }
}
