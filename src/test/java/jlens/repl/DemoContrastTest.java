package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jlens.chart.AnsiContrast;
import jlens.chart.Background;
import org.junit.jupiter.api.Test;

/**
 * The three demos' charts and the ablation views, drawn by the REPL in truecolor and 256 colours for a dark and
 * a light background: every coloured glyph on the terminal's background reaches 3:1 against it.
 */
class DemoContrastTest {
    static final List<String> DEMOS = List.of("hist 1", "hist all", "var", "qkt 1", "qkt all", "logprobs",
            "pattern 1", "pattern 1 2", "ablate head 0 token -2", "ablate head all token -2");

    @Test
    void everyColouredGlyphOfTheDemosReachesThreeToOne() {
        TestSessions.Buffered b = TestSessions.session();
        b.exec(TestSessions.textLine(), "hook layer all", "run", "set width 120");
        Map<String, Double> worst = new LinkedHashMap<>();
        for (String mode : List.of("truecolor", "256")) {
            for (Background bg : Background.values()) {
                b.exec("set color " + mode, "set background " + bg.name().toLowerCase(java.util.Locale.ROOT));
                b.take();
                for (String command : DEMOS) {
                    b.exec(command);
                    String out = b.take();
                    AnsiContrast.Result r = AnsiContrast.measure(out, bg);
                    assertTrue(r.total() > 0, command + " drew nothing coloured in " + mode);
                    assertEquals(0, r.below(), command + " " + mode + " " + bg + ": " + r);
                    worst.merge(mode + " " + bg, r.worst(), Math::min);
                }
            }
        }
        System.out.println("demos, worst contrast per mode and background: " + worst);
    }
}
