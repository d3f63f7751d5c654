package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jlens.Fixture;
import jlens.analysis.HeadDetectKind;
import jlens.analysis.HeadDetectResult;
import jlens.analysis.HeadDetector;
import jlens.hook.HookPoint;
import jlens.intervene.PatchResult;
import jlens.intervene.prompts.Prompt;
import jlens.intervene.prompts.PromptPatchResult;
import jlens.intervene.prompts.PromptScores;
import jlens.intervene.prompts.PromptSet;
import jlens.model.Gpt2;
import jlens.workspace.WorkspaceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prompt set's studies as a user meets them: {@code patch ... set} and {@code detect ... set} against the same
 * prompts studied one at a time, their saves and one-line errors, and the set across a model change.
 */
class PromptSetStudiesTest {
    /** Three IOI prompts of one template, so of one length (14 tokens). */
    static final List<String[]> EVEN = List.of(
            new String[] {"When Mary and John went to the store, John gave a drink to",
                    "When Mary and John went to the store, Mary gave a drink to", " Mary", " John"},
            new String[] {"When Tom and Amy went to the park, Amy gave a ring to",
                    "When Tom and Amy went to the park, Tom gave a ring to", " Tom", " Amy"},
            new String[] {"When Paul and Kate went to the school, Paul gave a book to",
                    "When Paul and Kate went to the school, Kate gave a book to", " Kate", " Paul"});

    @TempDir
    Path tmp;

    private Path jsonl(String name, List<String[]> rows, boolean answers) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            JsonObject o = new JsonObject();
            o.addProperty("text", r[0]);
            o.addProperty("corrupt", r[1]);
            if (answers) {
                o.addProperty("answer", r[2]);
                o.addProperty("wrong", r[3]);
            }
            b.append(o).append('\n');
        }
        Path file = tmp.resolve(name);
        Files.writeString(file, b.toString());
        return file;
    }

    private static void assertError(TestSessions.Buffered b, String line, String expected) {
        UserError e = assertThrows(UserError.class, () -> b.session().interpreter().run(line), line);
        assertTrue(e.getMessage().contains(expected), line + " said: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        b.take();
    }

    @Test
    void patchOverTheSetIsTheMeanOfSinglePairPatchesAndSaves() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("prompts " + jsonl("even.jsonl", EVEN, true));
        b.take();
        b.exec("patch resid_pre set");
        String out = b.take();
        assertTrue(out.contains("patching resid_pre over the prompt set (3 prompts from even.jsonl)"), out);
        assertTrue(out.contains("metric logit[answer] - logit[wrong] at each prompt's last token"), out);
        assertTrue(out.contains("mean over 3 prompts: m_clean "), out);
        assertTrue(out.contains("patched resid_pre, mean over 3 prompts"), out);
        PromptPatchResult r = (PromptPatchResult) b.session().lastResult().value();
        assertArrayEquals(new int[] {3, 14}, r.shape());

        Path csv = tmp.resolve("set.csv");
        Path npy = tmp.resolve("set.npy");
        Path json = tmp.resolve("set.json");
        Path txt = tmp.resolve("set.txt");
        b.exec("save " + csv, "save " + npy, "save " + json, "save " + txt);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("index,line,tokens,metric,m_clean,m_corrupt", lines.get(0));
        assertEquals(4, lines.size());
        for (int i = 0; i < 3; i++) {
            String[] cells = lines.get(i + 1).split(",");
            assertEquals(Integer.toString(i + 1), cells[1]);
            assertEquals("answer-wrong", cells[3]);
            assertEquals(r.rows().get(i).mClean(), Double.parseDouble(cells[4]), 0.0);
            assertEquals(r.rows().get(i).mCorrupt(), Double.parseDouble(cells[5]), 0.0);
        }
        assertArrayEquals(r.normalized(), NpyF64.read(npy, new long[] {3, 14}), 0.0);
        JsonObject result = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("result");
        assertEquals(3, result.getAsJsonArray("rows").size());
        assertEquals(42, result.getAsJsonArray("normalized").size());
        assertEquals(r.mClean(), result.get("mClean").getAsDouble(), 0.0);
        assertTrue(Files.readString(txt).contains("mean over 3 prompts") && Files.readString(txt).contains("When"),
                Files.readString(txt));

        // The same prompts one pair at a time through 'text', 'corrupt', 'metric' and 'patch'.
        double clean = 0;
        double corrupt = 0;
        double[] raw = new double[r.raw().length];
        for (String[] p : EVEN) {
            b.exec("text " + Words.quote(p[0]), "corrupt " + Words.quote(p[1]),
                    "metric logitdiff " + Words.quote(p[2]) + " " + Words.quote(p[3]), "patch resid_pre");
            PatchResult one = (PatchResult) b.session().lastResult().value();
            clean += one.mClean() / EVEN.size();
            corrupt += one.mCorrupt() / EVEN.size();
            for (int i = 0; i < raw.length; i++) {
                raw[i] += one.raw()[i] / EVEN.size();
            }
        }
        b.take();
        assertEquals(clean, r.mClean(), 1e-5);
        assertEquals(corrupt, r.mCorrupt(), 1e-5);
        assertArrayEquals(raw, r.raw(), 1e-5);
        for (int i = 0; i < raw.length; i++) {
            assertEquals((raw[i] - corrupt) / (clean - corrupt), r.normalized()[i], 1e-4, "cell " + i);
        }
    }

    @Test
    void patchOverTheSetSaysWhatIsMissingInOneLine() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        assertError(b, "patch heads set", "no prompt set");
        b.exec("prompts ioi 7 seed 3");
        PromptSet ioi = b.session().workspace().prompts().set();
        assertTrue(ioi.minLength() < ioi.maxLength(), "mixed lengths");
        assertError(b, "patch resid_pre set", "use 'patch heads set'");
        assertError(b, "patch heads pos set", "use 'patch heads set'");
        assertError(b, "patch heads --approx set", "--approx estimates one pair");
        assertError(b, "patch heads set now", "unexpected 'now'");
        b.exec("patch heads set");
        assertTrue(b.take().contains("patched heads, mean over 7 prompts"));
        assertArrayEquals(new int[] {3, 4}, ((PromptPatchResult) b.session().lastResult().value()).shape());

        Path plain = tmp.resolve("plain.txt");
        Files.writeString(plain, "When Mary and John went to the store\nAfter lunch\n");
        b.exec("prompts " + plain);
        assertError(b, "patch heads set", "line 1 has none");

        b.exec("prompts " + jsonl("no-answers.jsonl", EVEN, false));
        assertError(b, "patch heads set", "no metric is set");
        b.exec("metric logitdiff \" Mary\" \" John\"");
        b.take();
        b.exec("patch heads set");
        String out = b.take();
        assertTrue(out.contains("metric logit[\" Mary\"] - logit[\" John\"] at position -1 of each prompt"), out);
        PromptPatchResult r = (PromptPatchResult) b.session().lastResult().value();
        assertFalse(r.rows().get(0).ownAnswer());
        assertTrue(Files.exists(plain));
    }

    @Test
    void detectOverTheSetIsTheMeanOfEachPromptsScores() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("prompts ioi 7 seed 3");
        b.take();
        PromptSet set = b.session().workspace().prompts().set();
        Gpt2 model = b.session().workspace().model();
        List<String> patterns = new ArrayList<>();
        for (int l = 0; l < model.config().nLayer(); l++) {
            patterns.add(HookPoint.block(l, HookPoint.PATTERN));
        }
        for (boolean excludeBos : new boolean[] {false, true}) {
            b.exec("detect previous-token set" + (excludeBos ? " --exclude-bos" : ""));
            String out = b.take();
            assertTrue(out.contains("previous-token scores on the prompt set (7 prompts from ioi 7 seed 3; the mean of each prompt's scores)"), out);
            assertTrue(out.contains("score by layer and head, mean over 7 prompts"), out);
            HeadDetectResult r = b.session().workspace().lastResult(HeadDetectResult.class);
            assertEquals(7, r.prompts());
            double[][] mean = new double[r.nLayer()][r.nHead()];
            for (Prompt p : set.prompts()) {
                try (Gpt2.Run run = model.run(p.ids(), patterns)) { // each prompt alone, scored from its cached patterns
                    HeadDetectResult one = HeadDetector.detect(run.cache(), p.ids(), HeadDetectKind.PREVIOUS_TOKEN, excludeBos, false);
                    for (int l = 0; l < mean.length; l++) {
                        for (int h = 0; h < mean[l].length; h++) {
                            mean[l][h] += one.scores()[l][h] / set.size();
                        }
                    }
                }
            }
            for (int l = 0; l < mean.length; l++) {
                assertArrayEquals(mean[l], r.scores()[l], 1e-5, "layer " + l);
            }
        }
        b.exec("save " + tmp.resolve("det.npy"));
        assertEquals(12, NpyF64.read(tmp.resolve("det.npy"), new long[] {3, 4}).length);
        assertError(b, "detect induction random 5 set", "one at a time");
        Path shortOne = tmp.resolve("short.txt");
        Files.writeString(shortOne, "When Mary and John went to the store\nHi\n");
        b.exec("prompts " + shortOne);
        assertError(b, "detect induction set", "line 2 of the prompt set has 1: give longer prompts");
    }

    @Test
    void aSetMeanAtAHookNotLaidOutByPositionIsRefusedNamingIt() {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("prompts ioi 4 seed 1");
        for (String hook : List.of("pattern 1", "attn_scores 0")) {
            WorkspaceException e = assertThrows(WorkspaceException.class, () -> b.session().workspace().prompts().means(hook));
            String name = b.session().workspace().model().hooks().resolve(hook);
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("[B, NH, T, T]"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        assertEquals(4, b.session().workspace().prompts().means("z1").counts()[0], "[B, T, ...] points still average");
    }

    @Test
    void aSetWhoseMeanMetricsAgreeUpToRoundingDrawsNoGridOfNoise() throws Exception {
        // Each prompt's corruption is another prompt's clean text with the same answer (the place swapped), so the
        // clean and corrupted metrics are the same numbers in another order, and their means, summed in floats,
        // agree only up to rounding: dividing by the difference once drew rounding as values near 1. (IOI prompts
        // did this on the known model while it solved no IOI; its name mover now does.)
        List<String[]> swapped = new java.util.ArrayList<>();
        String[][] places = {{" store", " park"}, {" school", " house"}, {" office", " garden"}, {" beach", " market"}};
        for (String[] p : places) {
            String a = "When Mary and John went to the" + p[0] + ", John gave a drink to";
            String c = "When Mary and John went to the" + p[1] + ", John gave a drink to";
            swapped.add(new String[] {a, c, " Mary", " John"});
            swapped.add(new String[] {c, a, " Mary", " John"});
        }
        TestSessions.Buffered b = TestSessions.session().exec("load known", "prompts " + jsonl("swapped.jsonl", swapped, true),
                "detect previous-token set");
        b.take();
        String out = b.exec("patch heads set").take();
        PromptPatchResult r = (PromptPatchResult) b.session().lastResult().value();
        assertTrue(Math.abs(r.mClean() - r.mCorrupt()) < 1e-6, "the case this test is about: " + r.mClean() + " vs " + r.mCorrupt());
        // the reason in words: the model does not do the task, and what to try
        assertTrue(out.contains("no change between clean and corrupt (m_clean = m_corrupt): this model does not do this task"), out);
        assertTrue(out.contains("'load gpt2', or the known-answer model's induction prompts: 'prompts examples/known-prompts.jsonl'"), out);
        assertFalse(out.contains("the cells with the largest effect"), out);
        assertTrue(java.util.Arrays.stream(r.normalized()).allMatch(Double::isNaN), java.util.Arrays.toString(r.normalized()));
        assertEquals(null, b.session().lastChart(), "no chart of noise, and no older one left behind");
    }

    @Test
    void aModelChangeMakesTheSetAgainOrDropsItSayingWhy() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("prompts ioi 6 seed 4", "logprobs set");
        PromptSet before = b.session().workspace().prompts().set();
        double fixtureMean = ((PromptScores) b.session().lastResult().value()).sums().logitDiff().mean();
        b.take();
        b.exec("load known");
        String out = b.take();
        assertTrue(out.contains("prompt set ioi 6 seed 4 made again for known: 6 prompts"), out);
        PromptSet after = b.session().workspace().prompts().set();
        assertNotSame(before, after);
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i).ids(), after.get(i).ids(), "the same tokenizer gives the same ids");
        }
        b.exec("logprobs set");
        double knownMean = ((PromptScores) b.session().lastResult().value()).sums().logitDiff().mean();
        assertNotEquals(fixtureMean, knownMean, "scored on the new model");

        // A prompt that fits the known-answer model's 1024 positions but not the fixture's 64.
        String longText = "again and ".repeat(40).strip();
        Path longFile = jsonl("long.jsonl", List.<String[]>of(new String[] {longText, longText, " and", " again"}), true);
        b.exec("prompts " + longFile);
        assertEquals(80, b.session().workspace().prompts().set().maxLength());
        Optional<String> line = b.session().useModel(TestSessions.model(), "tiny-gpt2", null, false); // what 'load' prints
        assertTrue(line.isPresent());
        assertTrue(line.get().startsWith("prompt set long.jsonl dropped: it does not fit tiny-gpt2 (") && line.get().contains("context of 64")
                && line.get().contains("'prompts FILE'") && !line.get().contains("\n"), line.get());
        assertFalse(b.session().workspace().prompts().present());
        assertError(b, "prompts", "no prompt set");
        assertEquals(Optional.empty(), b.session().useModel(TestSessions.model(), "tiny-gpt2", null, false), "no set, nothing to say");
    }

    @Test
    void anAnswerThatIsNoLongerOneTokenDropsTheSet() throws Exception {
        // The fixture with one BPE merge removed: " Mary" becomes two tokens (" M", "ary").
        Path dir = tmp.resolve("split-mary");
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json")) {
            Files.copy(Fixture.dir().resolve(f), dir.resolve(f));
        }
        JsonObject tokenizer = JsonParser.parseString(Files.readString(Fixture.dir().resolve("tokenizer.json"))).getAsJsonObject();
        JsonArray merges = tokenizer.getAsJsonObject("model").getAsJsonArray("merges");
        assertTrue(merges.remove(new com.google.gson.JsonPrimitive("\u0120M ary")), "the merge that makes \u0120Mary");
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer.toString());

        TestSessions.Buffered b = TestSessions.session();
        String[] asksForMary = {"When Tom and Amy went to the park, Amy gave a ring to",
                "When Tom and Amy went to the park, Tom gave a ring to", " Mary", " Amy"}; // " Mary" only as the answer
        b.exec("prompts " + jsonl("mary.jsonl", List.<String[]>of(asksForMary), true));
        b.take();
        b.exec("load " + dir);
        String out = b.take();
        assertTrue(out.contains("prompt set mary.jsonl dropped: it does not fit " + dir), out);
        assertTrue(out.contains("mary.jsonl:1: answer ' Mary' is 2 tokens"), out);
        assertFalse(b.session().workspace().prompts().present());
        // IOI prompts are generated again: names that are no longer one token drop the set too.
        b.session().useModel(TestSessions.model(), "tiny-gpt2", null, false);
        b.exec("prompts ioi 40 seed 1");
        assertTrue(b.session().workspace().prompts().set().prompts().stream().anyMatch(p -> " Mary".equals(p.answer()) || " Mary".equals(p.wrong())));
        b.take();
        b.exec("load " + dir);
        out = b.take();
        assertTrue(out.contains("prompt set ioi 40 seed 1 dropped") && out.contains("not GPT-2's"), out);
        b.session().close(); // closes the model it loaded (owned), not the shared fixture
    }
}
