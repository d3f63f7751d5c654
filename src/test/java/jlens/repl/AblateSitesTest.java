package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlens.intervene.AblationSweep;
import jlens.intervene.Site;
import jlens.intervene.SweepResult;
import jlens.intervene.SweepSpec;
import org.junit.jupiter.api.Test;

/** {@code ablate ... at SITE}: the head zeroed at another per-head hook point, as the Java sweep computes it. */
class AblateSitesTest {
    @Test
    void aHeadZeroedAtItsValuesIsTheSweepAtV() {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        b.take();
        b.exec("ablate head 1 token -2 at v");
        String out = b.take();
        assertTrue(out.contains("zeroing v of head 1 at token"), out);
        SweepResult shown = b.session().workspace().lastResult(SweepResult.class);
        var ws = b.session().workspace();
        SweepResult expected = AblationSweep.run(ws.model(), SweepSpec.layers(ws.config(), ws.ids(), Site.V, 1, -2));
        assertArrayEquals(expected.byLayer(), shown.byLayer(), 1e-6);
        assertTrue(java.util.Arrays.stream(shown.logprobs()).anyMatch(lp -> Math.abs(lp - shown.clean()) > 1e-4), "it changes something");
        b.exec("ablate head all token -2 layer 2 at pattern");
        assertTrue(b.take().contains("zeroing pattern of every head"));
        TestSessions.assertOneLineError(b, "ablate head 1 token -2 at resid_pre", "has no heads");
    }
}
