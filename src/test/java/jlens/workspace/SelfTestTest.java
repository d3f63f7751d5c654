package jlens.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import jlens.model.Gpt2;
import jlens.store.KnownCircuits;
import jlens.store.KnownHead;
import jlens.store.KnownModelWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The selftest's checks can fail: told the wrong wiring, they say FAIL with the numbers that show it. */
class SelfTestTest {
    @TempDir
    static Path dir;

    @Test
    void aWrongWiringFailsTheChecksThatDependOnIt() throws Exception {
        KnownModelWriter.write(dir);
        KnownCircuits real = KnownCircuits.read(dir);
        // claim the idle head 1.1 is the induction head
        KnownCircuits wrong = new KnownCircuits(real.firstToken(), real.previousToken(), real.duplicateToken(),
                real.currentToken(), new KnownHead(1, 1));
        try (Gpt2 model = Gpt2.load(dir)) {
            SelfTestReport good = SelfTest.run(model, real);
            assertTrue(good.passed(), good.checks().toString());
            SelfTestReport bad = SelfTest.run(model, wrong);
            assertFalse(bad.passed());
            List<String> failed = bad.checks().stream().filter(c -> !c.passed()).map(SelfTestCheck::line).toList();
            assertEquals(7, bad.failures(), failed.toString());
            assertTrue(failed.get(0).startsWith("FAIL detect induction: expected 1.1 first"), failed.get(0));
            assertTrue(failed.get(1).startsWith("FAIL zeroing the induction head collapses copying"), failed.get(1));
            assertTrue(failed.get(2).startsWith("FAIL patching finds the wired path"), failed.get(2));
            assertTrue(failed.get(3).startsWith("FAIL DLA conserves and credits the induction head"), failed.get(3));
            assertTrue(failed.get(4).startsWith("FAIL path patching finds the K-composition 0.1 -> 1.1"), failed.get(4));
            assertTrue(failed.get(5).startsWith("FAIL EAP-IG's top edges keep a0.h1->a1.h1<k>"), failed.get(5));
            assertTrue(failed.get(6).startsWith("FAIL compose k: previous-token -> induction: 0.1 -> 1.1 scores"),
                    failed.get(6));
        }
    }

    @Test
    void compositionChecksFindTheStatedCompositionsAndFailOnAWrongOne() throws Exception {
        Path own = dir.resolve("compose");
        KnownModelWriter.write(own);
        KnownCircuits real = KnownCircuits.read(own);
        jlens.store.KnownIoiCircuit ioi = real.ioi();
        // claim the idle head 2.0 is the name mover
        KnownCircuits wrong = new KnownCircuits(real.firstToken(), real.previousToken(), real.duplicateToken(),
                real.currentToken(), real.induction(), new jlens.store.KnownIoiCircuit(ioi.task(), ioi.duplicateToken(),
                        ioi.sInhibition(), new KnownHead(2, 0), ioi.names(), ioi.nodes(), ioi.edges()));
        try (Gpt2 model = Gpt2.load(own)) {
            List<SelfTestCheck> good = SelfTest.compositionChecks(model, real);
            assertEquals(3, good.size());
            assertTrue(good.stream().allMatch(SelfTestCheck::passed), good.toString());
            List<SelfTestCheck> bad = SelfTest.compositionChecks(model, wrong);
            assertTrue(bad.get(0).passed() && bad.get(1).passed(), bad.toString());
            assertFalse(bad.get(2).passed(), bad.get(2).line());
            assertTrue(bad.get(2).line().startsWith("FAIL compose q: S-inhibition -> name mover: 1.1 -> 2.0 scores"),
                    bad.get(2).line());
        }
    }
}
