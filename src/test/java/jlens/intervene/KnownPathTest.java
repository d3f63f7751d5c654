package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import jlens.analysis.Metric;
import jlens.analysis.RepeatedRandomTokens;
import jlens.model.Gpt2;
import jlens.store.KnownCircuits;
import jlens.store.KnownModelWriter;
import jlens.store.KnownHead;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The known-answer model's wired path, found by circuit discovery: the previous-token head reaches the induction head
 * through its keys (path patching to the induction head's k, not its q or v), that edge carries the most of any edge
 * into the induction head, and a small circuit on it keeps most of the behaviour. The prompt: a 20-token repeat whose
 * last token the induction head copies; the corrupted prompt changes the token before that token's first copy, so
 * the key no longer matches.
 */
class KnownPathTest {
    @TempDir
    static Path dir;
    private static Gpt2 model;
    private static KnownCircuits wired;
    private static PatchSpec pair;

    @BeforeAll
    static void load() throws Exception {
        KnownModelWriter.write(dir);
        model = Gpt2.load(dir);
        wired = KnownCircuits.read(dir);
        int n = 20;
        int vocab = model.config().vocabSize();
        long[] clean = RepeatedRandomTokens.of(n, 5, vocab, Math.min(50256, vocab - 1));
        long[] corrupt = clean.clone();
        corrupt[n - 1] = (clean[n - 1] + 1) % vocab;
        pair = new PatchSpec(clean, corrupt, PatchKind.HEADS, Metric.logprob(clean[clean.length - 1], clean.length - 2));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static double cell(PathPatching.Grid g, KnownHead h) {
        return g.normalized(h.layer(), h.head());
    }

    @Test
    void thePreviousTokenHeadsPathToTheInductionHeadRunsThroughItsKeys() {
        KnownHead prev = wired.previousToken();
        KnownHead ind = wired.induction();
        PathPatching.Head receiver = new PathPatching.Head(ind.layer(), ind.head());
        double[] through = new double[3];
        for (int i = 0; i < 3; i++) {
            PathPatching.Grid g = PathPatching.toHeads(model, List.of(), pair, List.of(receiver), "qkv".charAt(i), SweepOptions.patching());
            through[i] = cell(g, prev);
        }
        assertTrue(through[1] < -0.5, "through k: " + through[1]);
        assertTrue(Math.abs(through[0]) < 0.1 && Math.abs(through[2]) < 0.1, "through q " + through[0] + ", v " + through[2]);
    }

    @Test
    void edgesAndACircuitRecoverTheWiredPath() {
        EdgeAttribution.Scores exact = EdgeAttribution.exact(model, List.of(), List.of(pair), SweepOptions.patching());
        EdgeGraph g = exact.graph();
        String wiredEdge = "a" + wired.previousToken().layer() + ".h" + wired.previousToken().head() + "->a" + wired.induction().layer()
                + ".h" + wired.induction().head() + "<k>";
        int induction = g.headNode(wired.induction().layer(), wired.induction().head());
        for (int i : g.edgesInto(induction)) {
            if (!g.edges().get(i).name().equals(wiredEdge)) {
                assertTrue(Math.abs(exact.scores()[i]) < Math.abs(exact.score(wiredEdge)), g.edges().get(i).name() + " "
                        + exact.scores()[i] + " against " + exact.score(wiredEdge));
            }
        }
        EdgeAttribution.Scores ig = EdgeAttribution.eapIg(model, List.of(), List.of(pair), 30, SweepOptions.defaults());
        Circuit.Selection c = Circuit.top(g, ig.scores(), 8);
        assertTrue(c.has(wiredEdge), "EAP-IG's top 8 edges keep " + wiredEdge + ": " + c.edgeNames());
        Circuit.Eval e = Circuit.eval(model, List.of(), List.of(pair), c, SweepOptions.patching());
        assertTrue(e.faithfulness() > 0.8, "faithfulness " + e.faithfulness() + " of " + c.edgeNames());
    }
}
