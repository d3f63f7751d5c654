package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlens.analysis.LogProbs;
import jlens.model.Gpt2Processing;
import org.junit.jupiter.api.Test;

/** {@code load NAME --process tl}: the model runs TransformerLens's processed weights, and says so. */
class ProcessCommandTest {
    @Test
    void loadWithProcessingKeepsLogProbsAndSaysWhichWeightsRun() {
        TestSessions.Buffered b = TestSessions.session();
        Session s = b.session();
        b.exec(TestSessions.textLine(), "model");
        assertTrue(b.take().contains("unprocessed weights"), "the unprocessed default is said");
        LogProbs.AtPosition before = s.workspace().logprobs(-2, 10);
        b.exec("load fixture --process tl", "model");
        String out = b.take();
        assertTrue(out.contains("TransformerLens-processed weights (fold_ln, center_writing_weights, center_unembed,"
                + " fold_value_biases)"), out);
        assertEquals(Gpt2Processing.TL, s.workspace().model().processing());
        assertTrue(s.workspace().model() != TestSessions.model(), "a processed copy; the shared model is untouched");
        assertEquals(Gpt2Processing.NONE, TestSessions.model().processing());
        LogProbs.AtPosition after = s.workspace().logprobs(-2, 10);
        assertEquals(before.next().logProb(), after.next().logProb(), 2e-4, "log-probs are unchanged");
        UserError e = assertThrows(UserError.class, () -> s.exec("load fixture --process fold"));
        assertTrue(e.getMessage().startsWith("unknown processing 'fold'"), e.getMessage());
        assertEquals(Gpt2Processing.TL, s.workspace().model().processing(), "a refused load leaves the model as it was");
        s.close();
    }
}
