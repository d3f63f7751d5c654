package jlens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.HeadDetectScore;
import jlens.analysis.HeadDetector;
import jlens.analysis.RepeatedRandomTokens;
import jlens.model.Gpt2;
import org.junit.jupiter.api.Test;

/** Each head detector, knowing nothing of the wiring, finds the head wired for its pattern, by a clear margin. */
class KnownModelDetectTest {
    @Test
    void eachDetectorRanksItsWiredHeadFirst() {
        try (Gpt2 model = Gpt2.load(KnownModelFixture.dir())) {
            List<long[]> prompts = List.of(RepeatedRandomTokens.of(50, 11, 50257, 50256),
                    RepeatedRandomTokens.of(50, 12, 50257, 50256), RepeatedRandomTokens.of(80, 13, 50257, 50256));
            for (Map.Entry<String, KnownHead> e : KnownModelWriter.CIRCUITS.byRole().entrySet()) {
                HeadDetectResult r = HeadDetector.detect(model, prompts, HeadDetectKind.parse(e.getKey()), false, false);
                List<HeadDetectScore> top = r.top(2);
                KnownHead wired = e.getValue();
                assertEquals(wired, new KnownHead(top.get(0).layer(), top.get(0).head()), e.getKey() + ": " + top);
                assertTrue(top.get(0).score() - top.get(1).score() > 0.3, e.getKey() + ": " + top);
            }
            // without the first position, the duplicate-token and induction heads attend only to their pattern
            for (String role : List.of("duplicate-token", "induction")) {
                HeadDetectResult r = HeadDetector.detect(model, prompts, HeadDetectKind.parse(role), true, false);
                KnownHead h = KnownModelWriter.CIRCUITS.byRole().get(role);
                assertTrue(r.score(h.layer(), h.head()) > 0.95, role + " " + r.score(h.layer(), h.head()));
            }
        }
    }
}
