package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChecksTest {
    @Test
    void negativeLayersAndPositionsCountFromTheEnd() {
        assertEquals(2, Checks.layer(-1, 3));
        assertEquals(0, Checks.layer(-3, 3));
        assertEquals(28, Checks.position(-2, 30));
        assertEquals(0, Checks.position(0, 30));
    }

    @Test
    void outOfRangeMessagesSayTheValidRange() {
        assertMessage(() -> Checks.layer(3, 3), "layer 3", "0..2", "-3..-1");
        assertMessage(() -> Checks.layer(-4, 3), "layer -4", "0..2");
        assertMessage(() -> Checks.head(4, 4), "head 4", "0..3");
        assertMessage(() -> Checks.position(30, 30), "position 30", "0..29", "-30..-1");
        assertMessage(() -> Checks.firstPosition(30, 30), "first position 30", "0..29");
        assertMessage(() -> Checks.firstPosition(1, 1), "include position 0");
        assertMessage(() -> Checks.count("top-k", 11, 10), "top-k 11", "0..10");
    }

    private static void assertMessage(Runnable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should contain '" + part + "'");
        }
    }
}
