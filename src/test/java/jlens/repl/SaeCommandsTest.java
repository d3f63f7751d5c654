package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import jlens.SaeFixtures;
import jlens.analysis.NdData;
import jlens.intervene.generation.GenerationOptions;
import jlens.intervene.generation.GenerationResult;
import jlens.workspace.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SAE commands end to end on the fixture: loading (and the refusals of an SAE for another model, hook or width),
 * features and a feature's card, saving the activations, splicing with and without the error term and feature edits
 * honoured by other analyses and by generation, listed and removed as changes in force, statistics, top contexts over
 * a set and a file, attribution, a model change, and the known model's SAE.
 */
class SaeCommandsTest {
    @TempDir
    Path tmp;

    static TestSessions.Buffered fixtureSession() {
        TestSessions.Buffered b = TestSessions.session();
        b.exec("text " + Words.quote(SaeFixtures.text()));
        b.take();
        return b;
    }

    /** logit[" Mary"] - logit[" John"] at the last position of the session's current run. */
    static double metric(Workspace ws) {
        ws.run(); // a run with the changes in force
        NDArray logits = ws.logits();
        float[] last = logits.get(0, logits.getShape().get(1) - 1).toFloatArray();
        return (double) last[5335] - last[1757];
    }

    @Test
    void loadReadSpliceEditAndRemove() throws Exception {
        TestSessions.Buffered b = fixtureSession();
        Session s = b.session();
        Workspace ws = s.workspace();
        JsonObject ref = SaeFixtures.of("relu-pre6");
        b.exec("sae load " + SaeFixtures.dir("relu-pre6"));
        String out = b.take();
        assertTrue(out.contains("loaded relu-pre6: standard at blocks.2.hook_resid_pre, 96 features of 32 (SAELens < 6 layout)"), out);

        b.exec("features");
        out = b.take();
        assertTrue(out.contains("position 15") && out.contains(" 85 "), out);
        Path npy = tmp.resolve("feats.npy");
        b.exec("save " + npy);
        NdData saved = jlens.analysis.Npy.readFloats(npy);
        assertArrayEquals(new long[] {16, 96}, saved.shape());
        assertEquals(ref.getAsJsonArray("acts").get(15).getAsJsonArray().get(85).getAsDouble(), saved.f32()[15 * 96 + 85], 1e-4);

        b.exec("feature 85");
        out = b.take();
        assertTrue(out.contains("feature 85 of relu-pre6") && out.contains("promotes:") && out.contains("suppresses:"), out);

        double clean = metric(ws);
        assertEquals(SaeFixtures.reference().get("m_clean").getAsDouble(), clean, 1e-4);
        b.exec("sae on --error");
        out = b.take();
        assertTrue(out.contains("in force: #") && out.contains("reconstruction + error term spliced in"), out);
        assertEquals(clean, metric(ws), 1e-4, "with the error term the model is unchanged");
        b.exec("sae on");
        assertEquals(ref.get("m_splice_no_error").getAsDouble(), metric(ws), 1e-4, "the reconstruction alone");
        b.exec("sae off", "sae ablate 85");
        out = b.take();
        assertTrue(out.contains("feature 85 zeroed"), out);
        assertEquals(ref.get("m_ablate_top_feature_with_error").getAsDouble(), metric(ws), 1e-4, "the ablation, error kept");
        b.exec("steers");
        assertTrue(b.take().contains("sae relu-pre6 at blocks.2.hook_resid_pre: error term kept; feature 85 zeroed"));

        int number = ws.interventions().entries().get(0).number();
        b.exec("unsteer " + number, "saes");
        out = b.take();
        assertTrue(out.contains("nothing"), "removed with unsteer, the SAE is idle: " + out);
        assertEquals(clean, metric(ws), 1e-4);
        s.close();
    }

    @Test
    void generationHonoursTheSae() {
        TestSessions.Buffered b = fixtureSession();
        Workspace ws = b.session().workspace();
        b.exec("sae load " + SaeFixtures.dir("topk-v6"));
        GenerationResult plain = ws.generate(GenerationOptions.greedy(4));
        b.exec("sae on --error");
        GenerationResult kept = ws.generate(GenerationOptions.greedy(4));
        assertArrayEquals(plain.ids(), kept.ids(), "the error term keeps generation as it was");
        b.exec("sae on");
        GenerationResult spliced = ws.generate(GenerationOptions.greedy(4));
        assertNotEquals(plain.logprobs()[0], spliced.logprobs()[0], "the reconstruction changes the first step");
        b.session().close();
    }

    @Test
    void statisticsTopContextsAndAttribution() throws Exception {
        TestSessions.Buffered b = fixtureSession();
        b.exec("sae load " + SaeFixtures.dir("jumprelu-v6"), "sae stats");
        String out = b.take();
        assertTrue(out.contains(jlens.sae.SaeSplice.class.getSimpleName().isEmpty() ? "" : "explained variance"), out);
        assertTrue(out.contains(Format.num(SaeFixtures.of("jumprelu-v6").get("explained_variance").getAsDouble())), out);
        assertTrue(out.contains("loss recovered"), out);

        int top = SaeFixtures.of("jumprelu-v6").get("top_feature_last_pos").getAsInt();
        Path file = tmp.resolve("corpus.txt");
        Files.writeString(file, (SaeFixtures.text() + "\n").repeat(30), StandardCharsets.UTF_8);
        b.exec("features top " + top + " over " + file + " 3");
        out = b.take();
        assertTrue(out.contains("feature " + top + " of jumprelu-v6 over corpus.txt") && out.contains(" 1. "), out);
        assertTrue(out.contains("\u00ab") || out.contains("[["), "the activating token is marked: " + out);

        Path prompts = tmp.resolve("p.txt");
        Files.writeString(prompts, SaeFixtures.text() + "\nWhen Mary and John went to the store\n", StandardCharsets.UTF_8);
        b.exec("prompts " + prompts, "features top " + top + " over set 5", "sae stats set --quick");
        out = b.take();
        assertTrue(out.contains("over the prompt set (2 prompts)") && out.contains("prompt 1"), out);
        assertTrue(out.contains("over 2 prompts"), out);

        b.exec("features dla -1 \" Mary\" - \" John\"");
        out = b.take();
        assertTrue(out.contains("error term") && out.contains("decoder bias") && out.contains("rest of residual"), out);
        assertTrue(out.contains("= the model's logit difference"), out);
        b.session().close();
    }

    /** An SAE's cfg.json rewritten: a copy of a fixture folder with one field changed. */
    Path variant(String name, String from, String to) throws Exception {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(SaeFixtures.dir("jumprelu-v6"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        String cfg = Files.readString(dir.resolve("cfg.json"));
        assertTrue(cfg.contains(from), cfg);
        Files.writeString(dir.resolve("cfg.json"), cfg.replace(from, to));
        return dir;
    }

    @Test
    void anSaeForAnotherModelHookOrWidthIsRefused() throws Exception {
        TestSessions.Buffered b = fixtureSession();
        Session s = b.session();
        Path other = variant("other-model", "\"model_name\": \"tiny-gpt2\"", "\"model_name\": \"gpt2-small\"");
        UserError e = assertThrows(UserError.class, () -> s.exec("sae load " + other));
        assertTrue(e.getMessage().contains("is for model 'gpt2-small', and the loaded model is tiny-gpt2")
                && e.getMessage().contains("--force"), e.getMessage());
        assertTrue(s.workspace().saes().list().isEmpty(), "nothing loaded");
        b.exec("sae load " + other + " --force");
        assertTrue(b.take().contains("runs on tiny-gpt2 because of --force"), "said, not silent");

        Path hook = variant("other-hook", "blocks.1.hook_resid_post", "blocks.7.hook_resid_post");
        e = assertThrows(UserError.class, () -> s.exec("sae load " + hook));
        assertTrue(e.getMessage().contains("'blocks.7.hook_resid_post' is not a hook point of this model"), e.getMessage());
        Path width = variant("other-width", "\"hook_name\": \"blocks.1.hook_resid_post\"", "\"hook_name\": \"blocks.1.mlp.hook_post\"");
        e = assertThrows(UserError.class, () -> s.exec("sae load " + width));
        assertTrue(e.getMessage().contains("its d_in is 32 but blocks.1.mlp.hook_post gives 128"), e.getMessage());
        Path arch = variant("other-arch", "\"architecture\": \"jumprelu\"", "\"architecture\": \"transcoder\"");
        e = assertThrows(UserError.class, () -> s.exec("sae load " + arch));
        assertTrue(e.getMessage().contains("field 'architecture' is 'transcoder', which jlens does not run"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        s.close();
    }

    @Test
    void aModelChangeUnloadsWhatNoLongerFitsAndTheKnownSaeNamesTokens() {
        TestSessions.Buffered b = fixtureSession();
        b.exec("sae load " + SaeFixtures.dir("relu-pre6"), "sae on");
        b.take();
        b.exec("load known");
        String out = b.take();
        assertTrue(out.contains("unloaded SAE relu-pre6"), out);
        assertTrue(b.session().workspace().interventions().isEmpty(), "its change left the model too");
        b.exec("sae load known", "text \"When Mary and John went to the store\"", "features 4");
        out = b.take();
        // position 4 is " went" (1816), after " John" (1757): features 1816 and 8192 + 1757 = 9949
        assertTrue(out.contains("2 of 16384 features active"), out);
        assertTrue(out.contains(" 1816 ") && out.contains(" 9949 "), out);
        // the known SAE's features say what they stand for, by construction
        assertTrue(out.contains("the current token is '·went'") && out.contains("the previous token is '·John'"), out);
        b.exec("feature 9949");
        out = b.take();
        assertTrue(out.contains("it is: the previous token is '·John'"), out);
        b.session().close();
    }

    static void delete(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
