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
    @Test
    void fourMapsOf256Entries() {
        assertEquals(List.of("magma", "inferno", "plasma", "viridis"), Colormaps.names());
        for (String name : Colormaps.names()) {
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
        for (String name : Colormaps.names()) {
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
        Set<Integer> in256 = new HashSet<>();
        Set<Integer> in16 = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            in256.add(Xterm256.nearest256(Colormaps.categorical(i)));
            in16.add(Xterm256.nearest16(Colormaps.categorical(i)));
        }
        assertEquals(3, in256.size(), "Q, K and V must differ in 256 colours");
        assertEquals(3, in16.size(), "Q, K and V must differ in 16 colours");
        for (int i = 0; i < 3; i++) {
            int index = Xterm256.nearest16(Colormaps.categorical(i));
            assertTrue(index != 7 && index != 8 && index != 15, "series " + i + " turned grey in 16 colours");
        }
    }
}
