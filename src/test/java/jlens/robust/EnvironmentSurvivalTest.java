package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jlens.Fixture;
import jlens.model.CheckpointFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environment and the JVM's limits, as a user sets them: every bad value is one line and jlens goes on to its
 * first command (no stack trace, no minute-long start), and running out of memory says so with the way out.
 */
class EnvironmentSurvivalTest {
    @TempDir
    Path tmp;

    /** stderr's lines without the engine's own warnings. */
    private static List<String> errLines(ChildJvm.Child c) {
        return c.err().lines().filter(l -> !l.startsWith("[W")).toList();
    }

    private static void noTrace(ChildJvm.Child c) {
        assertFalse(c.err().contains("Exception") || c.err().contains("\tat ") || c.out().contains("\tat "),
                "no stack trace: " + c.out() + c.err());
    }

    @Test
    void badThreadCountsAndAnEndpointThatIsNotAnAddressAreOneLineEach() throws Exception {
        // the launcher passes JLENS_THREADS on as the engine's property, so a child gets both, as from ./jlens
        ChildJvm.Child c = new ChildJvm(tmp.resolve("a")).env("JLENS_THREADS", "0").jvm("-Dai.djl.pytorch.num_threads=0")
                .env("HF_ENDPOINT", "::not a uri").timeout(90)
                .run("--model", Fixture.dir().toString(), "-c", "model");
        noTrace(c);
        assertEquals(0, c.status(), c.out() + c.err());
        assertTrue(c.out().contains("d_head"), "the first command ran: " + c.out() + c.err());
        List<String> err = errLines(c);
        assertEquals(2, err.size(), c.err());
        assertTrue(err.stream().anyMatch(l -> l.contains("JLENS_THREADS") && l.contains("1..")), c.err());
        assertTrue(err.stream().anyMatch(l -> l.contains("HF_ENDPOINT")), c.err());
    }

    @Test
    void aHugeThreadCountAndOtherHostileValuesDoNotStopTheStart() throws Exception {
        ChildJvm.Child c = new ChildJvm(tmp.resolve("b")).env("JLENS_THREADS", "100000")
                .jvm("-Dai.djl.pytorch.num_threads=100000").env("XDG_CACHE_HOME", "relative/cache")
                .env("HF_TOKEN", "hf_lineOne\nlineTwoOfTheToken").timeout(60)
                .run("--model", Fixture.dir().toString(), "-c", "model", "-c", "text \"Hello there\"", "-c", "logprobs");
        noTrace(c);
        OutputAuditSecrets.check(c, "hf_lineOne\nlineTwoOfTheToken");
        assertEquals(0, c.status(), c.out() + c.err());
        List<String> err = errLines(c);
        assertTrue(err.stream().anyMatch(l -> l.contains("JLENS_THREADS")), c.err());
        assertTrue(err.stream().anyMatch(l -> l.contains("XDG_CACHE_HOME")), c.err());
        assertTrue(err.stream().anyMatch(l -> l.contains("HF_TOKEN")), c.err());
        assertFalse(Files.exists(tmp.resolve("b").resolve("relative")), "nothing under the working folder");
    }

    @Test
    void runningOutOfMemoryWhileLoadingSaysSoWithTheWayOut() throws Exception {
        Path dir = CheckpointFiles.copyWithoutWeights(Fixture.dir(), tmp.resolve("big-tokenizer"));
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        JsonObject t = JsonParser.parseString(Files.readString(dir.resolve("tokenizer.json"))).getAsJsonObject();
        JsonObject vocab = t.getAsJsonObject("model").getAsJsonObject("vocab");
        int next = vocab.size() + 1000;
        StringBuilder extra = new StringBuilder();
        for (int i = 0; i < 700_000; i++) {
            extra.append("\"zq").append(i).append("\":").append(next + i).append(',');
        }
        String json = t.toString();
        int at = json.indexOf("\"vocab\":{") + "\"vocab\":{".length();
        Files.writeString(dir.resolve("tokenizer.json"), json.substring(0, at) + extra + json.substring(at));
        ChildJvm.Child c = new ChildJvm(tmp.resolve("oom")).jvm("-Xmx96m").timeout(120)
                .run("--model", dir.toString(), "-c", "model");
        noTrace(c);
        String all = c.out() + c.err();
        assertFalse(all.contains("not a valid tokenizer.json"), all);
        assertTrue(all.contains("out of memory") && all.contains("-Xmx") && all.contains("JLENS_JAVA_OPTS"), all);
    }
}
