package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import jlens.intervene.steering.SteeringVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** steer, steers and unsteer end to end: every command that runs the model says what is in force. */
class SteerCommandsTest {
    private static final String STEER = "steer \" love\" - \" hate\" layer 1 coeff 20";

    @TempDir
    Path tmp;

    @Test
    void everyRunSaysTheSteeringInForceAndUnsteerEndsIt() {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        b.take();
        b.exec(STEER);
        String out = b.take();
        assertTrue(out.contains("steering #1: \" love\" - \" hate\" at resid_pre 1, x20, position 0 (front)"), out);
        for (String line : new String[] {"generate 3", "logprobs", "lens", "dla", "pattern 1 0", "hook layer all", "run", "hist 1",
            "var", "qkt 1", "detect induction"}) {
            b.exec(line);
            String said = b.take();
            if (!line.startsWith("hook")) {
                assertTrue(said.contains("steering in force: #1 \" love\" - \" hate\" at resid_pre 1"), line + ": " + said);
                assertEquals(said.indexOf("steering in force"), said.lastIndexOf("steering in force"), "said once: " + said);
            }
        }
        b.exec("steers");
        assertTrue(b.take().contains("#1 \" love\" - \" hate\""));
        b.exec("unsteer 1");
        assertTrue(b.take().contains("removed #1"));
        b.exec("logprobs");
        assertFalse(b.take().contains("in force"));
        b.exec("steers");
        assertTrue(b.take().contains("nothing in force"));
    }

    @Test
    void theVectorSavesAndReadsBack() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        b.exec("steer \"I love\" - \"I hate\" layer 2 coeff 3 all");
        SteeringVector v = b.session().workspace().lastResult(SteeringVector.class);
        Path npy = tmp.resolve("v.npy");
        b.exec("save " + npy, "unsteer", "steer " + npy + " layer 2 coeff 3");
        b.take();
        SteeringVector back = b.session().workspace().lastResult(SteeringVector.class);
        assertArrayEquals(v.data(), back.data(), 0f);
        assertArrayEquals(new long[] {32}, back.shape());
        assertEquals(1, b.session().workspace().interventions().entries().size());
        assertTrue(Files.size(npy) > 128);
    }

    @Test
    void mistakesAreOneLine() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        assertError(b, "steer \" love\" - \" hate\"", "missing 'layer L'");
        assertError(b, "steer \" love\" - \" hate\" layer 9", "out of range");
        assertError(b, "steer \" love\" \" hate\" layer 1", "after 'steer' comes");
        assertError(b, "steer mean set layer 1", "no prompt set");
        Path bad = tmp.resolve("bad.npy");
        Files.writeString(bad, "\u001b[31mnot numpy");
        assertError(b, "steer " + bad + " layer 1", "not a .npy file");
        assertError(b, "steer " + tmp.resolve("missing.npy") + " layer 1", "missing.npy");
        assertError(b, "unsteer 4", "nothing numbered 4");
        assertTrue(b.session().workspace().interventions().isEmpty());
    }

    private static void assertError(TestSessions.Buffered b, String line, String expected) {
        TestSessions.assertOneLineError(b, line, expected);
    }
}
