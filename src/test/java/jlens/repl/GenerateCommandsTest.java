package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jlens.intervene.generation.GenerationResult;
import jlens.intervene.prompts.PromptScores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generate and prompt-set commands end to end on the fixture, and what save writes after them. */
class GenerateCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void generateStreamsAndSavesTheNewIds() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        b.take();
        b.exec("generate 6");
        String out = b.take();
        assertTrue(out.contains("6 new tokens; log-prob"), out);
        GenerationResult r = b.session().workspace().lastResult(GenerationResult.class);
        assertEquals(6, r.ids().length);
        assertTrue(out.contains(GenerateCommands.visible(r.pieces().get(0))), "the first token was streamed: " + out);
        Path npy = tmp.resolve("ids.npy");
        Path json = tmp.resolve("gen.json");
        b.exec("save " + npy, "save " + json);
        byte[] bytes = Files.readAllBytes(npy);
        String header = new String(bytes, 10, 118, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<i8'") && header.contains("'shape': (6,)"), header);
        ByteBuffer data = ByteBuffer.wrap(bytes, 128, 48).order(ByteOrder.LITTLE_ENDIAN);
        for (long id : r.ids()) {
            assertEquals(id, data.getLong());
        }
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("result");
        assertEquals(6, o.getAsJsonArray("ids").size());
        assertEquals(6, o.getAsJsonArray("pieces").size());
        assertEquals(6, o.getAsJsonArray("logprobs").size());
        assertEquals(r.text(), o.get("text").getAsString());
    }

    @Test
    void interventionsAndSamplingChangeTheTokensAsAsked() {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        b.exec("generate 8 sample temp 1 seed 5");
        long[] first = b.session().workspace().lastResult(GenerationResult.class).ids();
        b.exec("generate 8 sample temp 1 seed 5");
        assertEquals(java.util.Arrays.toString(first),
                java.util.Arrays.toString(b.session().workspace().lastResult(GenerationResult.class).ids()), "same seed");
        b.exec("generate 8");
        double[] plain = b.session().workspace().lastResult(GenerationResult.class).logprobs();
        b.exec("generate 8 with ablate head 1 layer 0 with ablate head 2 layer 1 token -2");
        GenerationResult hooked = b.session().workspace().lastResult(GenerationResult.class);
        assertFalse(java.util.Arrays.equals(plain, hooked.logprobs()));
        b.exec("generate 8 naive with ablate head 1 layer 0 with ablate head 2 layer 1 token -2");
        assertEquals(java.util.Arrays.toString(hooked.ids()),
                java.util.Arrays.toString(b.session().workspace().lastResult(GenerationResult.class).ids()), "cache = recompute");
        assertTrue(b.session().workspace().model().hooks().isEmpty(), "no hook left behind");
    }

    @Test
    void promptSetsScoreAndMeanAblate() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        b.take();
        b.exec("prompts ioi 10 seed 2", "logprobs set");
        String out = b.take();
        assertTrue(out.contains("10 prompts from ioi 10 seed 2"), out);
        assertTrue(out.contains("mean over the set") && out.contains("logit difference"), out);
        PromptScores scores = b.session().workspace().lastResult(PromptScores.class);
        assertEquals(10, scores.rows().size());
        Path csv = tmp.resolve("set.csv");
        b.exec("save " + csv, "ablate head 1 layer 0 mean");
        assertEquals(11, Files.readAllLines(csv).size(), "a header and one row per prompt");
        out = b.take();
        assertTrue(out.contains("replaced by its mean over the 10 prompts") && out.contains("mean logit difference: clean"), out);
        Path file = tmp.resolve("p.jsonl");
        Files.writeString(file, "{\"text\": \"Hello there\", \"answer\": \" friend\"}\n{\"text\": \"\\u001b[2J\", \"answer\": \" x\"}\n");
        // an escape sequence in a prompt file is refused as 'text' refuses it, and the set in use stays
        UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> b.exec("prompts " + file));
        assertTrue(e.getMessage().contains("p.jsonl:2: the prompt has control character U+001B"), e.getMessage());
        assertEquals(10, b.session().workspace().prompts().set().size());
    }

    @Test
    void streamedTextNeverCarriesRawControlCharacters() {
        assertEquals("a\\u001b[31mb\nc\\u202e", GenerateCommands.visible("a\u001b[31mb\nc\u202e"));
    }
}
