package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackgroundTest {
    @Test
    void osc11RepliesOfCommonTerminals() {
        // xterm and most others answer with four hex digits a channel, ended by BEL or ST.
        assertEquals(Optional.of(Background.DARK), Background.fromOsc11Reply("\u001b]11;rgb:0000/0000/0000\u0007"));
        assertEquals(Optional.of(Background.LIGHT), Background.fromOsc11Reply("\u001b]11;rgb:ffff/ffff/ffff\u001b\\"));
        // Solarized light (#fdf6e3) and a dark grey theme (#1e1e1e), two digits a channel.
        assertEquals(Optional.of(Background.LIGHT), Background.fromOsc11Reply("\u001b]11;rgb:fd/f6/e3\u0007"));
        assertEquals(Optional.of(Background.DARK), Background.fromOsc11Reply("\u001b]11;rgb:1e1e/1e1e/1e1e\u0007"));
        // Mid grey #777777 contrasts more with black (4.7:1) than with white (4.5:1): it counts as light.
        assertEquals(Optional.of(Background.LIGHT), Background.fromOsc11Reply("\u001b]11;rgb:7777/7777/7777\u0007"));
        assertEquals(Optional.empty(), Background.fromOsc11Reply(""));
        assertEquals(Optional.empty(), Background.fromOsc11Reply("garbage\u001b[0n"));
    }

    @Test
    void parseNamesAndAuto() {
        assertEquals(Optional.of(Background.DARK), Background.parse("dark"));
        assertEquals(Optional.of(Background.LIGHT), Background.parse(" Light "));
        assertEquals(Optional.empty(), Background.parse("auto"));
        assertThrows(IllegalArgumentException.class, () -> Background.parse("blue"));
    }
}
