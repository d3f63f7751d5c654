package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import jlens.analysis.HeadDetectResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code detect} and {@code selftest} as a user meets them: output, saving, one-line errors. */
class DetectCommandTest {
    @TempDir
    Path tmp;

    @Test
    void detectOnARandomRepeatDrawsTheGridAndSavesLxH() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("detect induction random 20 seed 3 --exclude-bos");
        String out = b.take();
        assertTrue(out.contains("induction scores on <|endoftext|> + 20 random tokens repeated (seed 3) --exclude-bos"), out);
        assertTrue(out.contains("rank") && out.contains("score by layer and head"), out);
        HeadDetectResult r = b.session().workspace().lastResult(HeadDetectResult.class);
        int nl = b.session().workspace().config().nLayer();
        int nh = b.session().workspace().config().nHead();
        b.exec("save " + tmp.resolve("det.npy"), "save " + tmp.resolve("det.csv"), "save " + tmp.resolve("det.json"),
                "save " + tmp.resolve("det.txt"));
        double[] saved = NpyF64.read(tmp.resolve("det.npy"), new long[] {nl, nh});
        assertArrayEquals(r.array().f64(), saved, 0);
        assertTrue(Files.readString(tmp.resolve("det.csv")).startsWith("layer,head_0,head_1"));
        assertTrue(Files.readString(tmp.resolve("det.json")).contains("\"detector\": \"induction\""));
        assertTrue(Files.readString(tmp.resolve("det.txt")).contains("induction score by layer and head"));
    }

    @Test
    void detectOnTheTextAndItsErrors() {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("text \"a b a b a b\"", "detect previous-token");
        assertTrue(b.take().contains("previous-token scores on the text"));
        for (String bad : new String[] {"detect", "detect inductoin", "detect induction random", "detect induction random x",
                "detect induction random 0", "detect induction random 100000", "detect bos --exclude-everything"}) {
            UserError e = assertThrows(UserError.class, () -> b.session().exec(bad), bad);
            assertTrue(!e.getMessage().contains("\n") && !e.getMessage().isBlank(), bad + ": " + e.getMessage());
        }
        UserError e = assertThrows(UserError.class, () -> b.session().exec("detect inductoin"));
        assertTrue(e.getMessage().contains("previous-token|duplicate-token|induction|bos|current-token"), e.getMessage());
    }

    @Test
    void selftestPassesOnTheKnownModelOneLinePerCheck() {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("selftest");
        String out = b.take();
        for (String check : new String[] {"PASS detect previous-token: 0.1 scores", "PASS detect induction: 1.2 scores",
                "PASS detect duplicate-token", "PASS detect bos", "PASS detect current-token", "PASS copying",
                "PASS zeroing the induction head collapses copying", "PASS zeroing the previous-token head collapses copying",
                "PASS fast ablation sweep = naive oracle", "PASS patching conserves", "PASS patching finds the wired path",
                "PASS DLA conserves and credits the induction head", "PASS logit lens conserves",
                "PASS path patching finds the K-composition 0.1 -> 1.2", "PASS EAP-IG's top edges keep a0.h1->a1.h2<k>",
                "PASS compose k: previous-token -> induction: 0.1 -> 1.2",
                "PASS compose k: duplicate-token -> S-inhibition: 0.2 -> 1.1",
                "PASS compose q: S-inhibition -> name mover: 1.1 -> 2.1", "PASS the known SAE names the current and previous tokens", "selftest: all 19 checks passed"}) {
            assertTrue(out.contains(check), check + "\n" + out);
        }
        assertTrue(!out.contains("FAIL"), out);
        assertEquals("tiny-gpt2", b.session().workspace().modelName(), "the session's model stays");
    }
}
