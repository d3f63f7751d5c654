package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.intervene.Cells;
import jlens.intervene.Intervention;
import jlens.intervene.Value;
import jlens.model.CheckpointFiles;
import jlens.intervene.generation.GenerationOptions;
import jlens.model.Gpt2;
import jlens.workspace.InterventionScope;
import jlens.workspace.LoadedModel;
import jlens.workspace.UndefinedResultException;
import jlens.workspace.Workspace;
import jlens.workspace.WorkspaceException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one rule for non-finite values (ARCHITECTURE.md, "Non-finite values"), held for every registered command: on a
 * model whose logits or activations are NaN or infinite, each command line either refuses in one line that says what
 * is not finite, or succeeds and marks what is NaN (a line that says so); it never prints a NaN number unmarked, nor a
 * token picked from NaN ("!", token 0, is what an argmax over NaN gives). A command added later fails
 * {@link #everyCommandIsCovered} until it is listed here with lines that run on the fixture.
 */
class NonFiniteRuleTest {
    /** Commands that print nothing computed from a pass of the loaded model, with why. */
    private static final Map<String, String> NO_PASS = Map.ofEntries(
            Map.entry("load", "loads"), Map.entry("model", "the config"), Map.entry("text", "tokenises"),
            Map.entry("tokens", "tokenises"), Map.entry("hook", "names hook points"), Map.entry("unhook", "names hook points"),
            Map.entry("hooks", "shapes"), Map.entry("corrupt", "tokenises"), Map.entry("metric", "a definition"),
            Map.entry("prompts", "reads a set"), Map.entry("save", "writes the last result (its nan is said by the save)"),
            Map.entry("view", "shows the last chart"), Map.entry("help", "text"), Map.entry("set", "settings"),
            Map.entry("source", "runs lines, each a command here"), Map.entry("quit", "leaves"),
            Map.entry("steers", "lists what is in force"), Map.entry("unsteer", "removes what is in force"),
            Map.entry("selftest", "runs on the known-answer model it loads, not on this one"),
            Map.entry("saes", "lists the loaded SAEs"), Map.entry("tour", "runs lines, each a command here"),
            Map.entry("circuit", "chooses from the edge scores, which 'edges' refuses on a non-finite run (a loaded graph file's"
                    + " eval and curve meet CircuitDiscovery's same check as 'path' and 'edges')"));

    /** Lines of every command that computes from a pass; each runs on the fixture (see {@link #everyLineRunsOnTheFixture}). */
    private static final Map<String, List<String>> LINES = new LinkedHashMap<>();

    static {
        LINES.put("run", List.of("run"));
        LINES.put("logprobs", List.of("logprobs", "logprobs 3", "logprobs set", "logprobs set corrupt"));
        LINES.put("lens", List.of("lens", "lens 3", "lens --all", "lens -1 \" Mary\""));
        LINES.put("dla", List.of("dla", "dla 3", "dla -1 \" Mary\" - \" John\""));
        LINES.put("patch", List.of("patch resid_pre", "patch heads", "patch heads pos", "patch q", "patch resid_pre --approx",
                "patch heads set", "patch resid_pre noising"));
        LINES.put("ablate", List.of("ablate head 1 token -2", "ablate head all token -2", "ablate head 1 token -2 at v",
                "ablate head 2 token -2 layer 1", "ablate head 1 layer 0 mean", "ablate head 1 layer 0 token -2 mean"));
        LINES.put("generate", List.of("generate 5", "generate 5 sample seed 1", "generate 5 sample top-k 3 seed 2", "generate 3 naive",
                "generate 4 with ablate head 1 layer 0", "generate 5 with ablate head 1 layer 0 token -2 mean"));
        LINES.put("detect", List.of("detect previous-token", "detect induction random 10", "detect previous-token set",
                "detect duplicate-token --exclude-bos"));
        LINES.put("steer", List.of("steer \" Love\" - \" Hate\" layer 1 coeff 5", "steer mean set layer -1 coeff 8",
                "steer pca set layer 1"));
        LINES.put("pattern", List.of("pattern 1", "pattern 1 2"));
        LINES.put("hist", List.of("hist 1", "hist all", "hist 0 --range -5 5"));
        LINES.put("var", List.of("var"));
        LINES.put("qkt", List.of("qkt 1", "qkt all"));
        LINES.put("split", List.of("split qkv 1", "split heads 1 q"));
        String sae = jlens.SaeFixtures.dir("relu-pre6").toString();
        LINES.put("sae", List.of("sae load " + sae + " --force", "sae on", "sae on --error", "sae ablate 85", "sae stats",
                "sae stats set --quick"));
        LINES.put("features", List.of("features", "features 3", "features dla -1 \" Mary\" - \" John\"",
                "features top 85 over set 3"));
        LINES.put("feature", List.of("feature 85"));
        LINES.put("compose", List.of("compose q", "compose k", "compose v"));
        LINES.put("corpus", List.of("corpus README.md --tokens 256 --window 32", "corpus attention", "corpus stats",
                "corpus lens", "corpus detect induction"));
        LINES.put("path", List.of("path", "path to 1.0 q", "path --approx"));
        LINES.put("edges", List.of("edges eap", "edges eap-ig steps 2", "edges exact"));
    }

    private static final List<String> PRELUDE = List.of(
            "text \"After John and Mary went to the store, John gave a bottle of milk to\"",
            "corrupt \"After John and Mary went to the store, Mary gave a bottle of milk to\"",
            "metric logitdiff \" Mary\" \" John\"", "prompts ioi 6 seed 1", "hook layer all", "hook pattern1", "run");

    /** A NaN or an infinity shown as a number: {@code nan}, {@code inf}, {@code -inf} as a word. */
    private static final Pattern SHOWN = Pattern.compile("(?<![\\w./-])-?(nan|inf)(?![\\w/-])");
    /** What marks it: a line that says values are NaN or not finite. */
    private static final Pattern MARK = Pattern.compile("NaN|not finite|no finite");
    /** Token 0 as a token: what greedy picks from NaN, and what a table of tokens picked from NaN shows. */
    private static final Pattern TOKEN_ZERO = Pattern.compile("(^|[\\s'|])!([\\s'|]|$)", Pattern.MULTILINE);

    @TempDir
    static Path tmp;
    private static Map<String, Path> models;

    @BeforeAll
    static void brokenModels() throws Exception {
        models = new LinkedHashMap<>();
        models.put("nan-ln-final", CheckpointFiles.withFloats(Fixture.dir(), tmp.resolve("nan-ln-final"), "ln_f.weight",
                (shape, w) -> java.util.Arrays.fill(w, Float.NaN))); // finite activations, NaN logits
        models.put("nan-head", CheckpointFiles.nanHead(Fixture.dir(), tmp.resolve("nan-head"), 0, 1)); // NaN from layer 0 on
        models.put("overflow", CheckpointFiles.withFloats(Fixture.dir(), tmp.resolve("overflow"), "h.1.mlp.c_fc.weight",
                (shape, w) -> {
                    for (int i = 0; i < w.length; i++) {
                        w[i] = Math.copySign(3e38f, w[i]); // the MLP's input products overflow float32 to +-inf
                    }
                }));
    }

    @Test
    void everyCommandIsCovered() {
        Set<String> registered = new TreeSet<>();
        TestSessions.session().session().commands().all().forEach(c -> registered.add(c.name()));
        Set<String> listed = new TreeSet<>(NO_PASS.keySet());
        listed.addAll(LINES.keySet());
        assertEquals(registered, listed, "a command is missing from NonFiniteRuleTest (or listed but gone): every command"
                + " that prints numbers from a pass needs lines here, others a reason in NO_PASS");
    }

    /** The lines are real: each succeeds on the healthy fixture, so a refusal on a broken model is the rule's. */
    @Test
    void everyLineRunsOnTheFixture() {
        TestSessions.Buffered b = session("fixture");
        for (String line : lines()) {
            try {
                b.exec(line);
            } catch (UserError e) {
                fail(line + " fails on the fixture: " + e.getMessage());
            }
            String out = b.take();
            assertFalse(SHOWN.matcher(out).find() && !MARK.matcher(out).find(), line + " shows nan on the fixture:\n" + out);
            undoChanges(b, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nan-ln-final", "nan-head", "overflow", "nan-change-in-force"})
    void everyCommandRefusesOrMarks(String broken) {
        TestSessions.Buffered b = session(broken);
        int standing = b.session().workspace().interventions().entries().size();
        List<String> refused = new ArrayList<>();
        for (String line : lines()) {
            Result before = b.session().lastResult();
            String out;
            try {
                b.exec(line);
                out = b.take();
            } catch (UserError e) {
                String said = jlens.OutputAudit.check(e.getMessage()); // the refusal line reaches the terminal too
                b.take();
                assertFalse(said.contains("\n") || said.contains("internal error"), broken + ": " + line + " said: " + said);
                assertTrue(said.contains("not finite") || said.contains("NaN"),
                        broken + ": " + line + " was refused for something else than non-finite values: " + said);
                refused.add(line);
                undoChanges(b, standing);
                continue;
            }
            Result after = b.session().lastResult();
            String saved = after != null && after != before && after.csv() != null ? after.csv().get() : "";
            boolean shows = SHOWN.matcher(out).find() || SHOWN.matcher(saved).find();
            assertFalse(shows && !MARK.matcher(out).find(), broken + ": " + line + " shows NaN or infinite values without a"
                    + " line saying so:\n" + out);
            assertFalse(TOKEN_ZERO.matcher(out).find(), broken + ": " + line + " shows a token picked from NaN:\n" + out);
            undoChanges(b, standing);
        }
        // every read-out of the logits is refused: their logits are not finite in every one of these models
        for (String line : List.of("logprobs", "logprobs set", "lens", "dla", "generate 5", "generate 5 sample seed 1",
                "ablate head 1 layer 0 mean")) {
            assertTrue(refused.contains(line), broken + ": " + line + " was not refused");
        }
    }

    /**
     * In Java, a refused read-out is an {@link UndefinedResultException} whose line names where the pass first went
     * NaN or infinite (one more pass, with the changes in force): the final LayerNorm, a layer's c_attn, a change in force.
     */
    @Test
    void javaRefusalsSayWhereThePassWentNonFinite() throws Exception {
        Path nanLayer1 = CheckpointFiles.nanHead(Fixture.dir(), tmp.resolve("nan-head-1"), 1, 2);
        Map<String, String> where = Map.of(
                models.get("nan-ln-final").toString(), "at ln_final.hook_normalized (the final LayerNorm",
                nanLayer1.toString(), "at blocks.1.attn.hook_qkv",
                models.get("overflow").toString(), "at blocks.1.mlp.hook_pre");
        for (Map.Entry<String, String> e : where.entrySet()) {
            try (Workspace ws = new Workspace(spec -> new LoadedModel(Gpt2.load(Path.of(spec)), "broken", null))) {
                ws.load(e.getKey());
                ws.text(Fixture.text());
                for (Runnable readOut : List.<Runnable>of(() -> ws.logprobs(-2, 5), () -> ws.lens(-2, -1, 0, 3),
                        () -> ws.dla(-2, -1, -1), () -> ws.generate(GenerationOptions.greedy(3)))) {
                    UndefinedResultException u = assertThrows(UndefinedResultException.class, readOut::run);
                    assertTrue(u.getMessage().contains("the pass first goes NaN or infinite " + e.getValue()), u.getMessage());
                }
            }
        }
        try (Workspace ws = new Workspace(spec -> null)) {
            ws.use(TestSessions.model(), "fixture", null, false);
            ws.text(Fixture.text());
            ws.interventions().add(new Intervention(HookPoint.block(1, HookPoint.MLP_OUT), Cells.at(3),
                    new Value.Fn((a, start) -> a.mul(Float.POSITIVE_INFINITY), "an overflow")));
            UndefinedResultException u = assertThrows(UndefinedResultException.class, () -> ws.logprobs(-2, 5));
            assertTrue(u.getMessage().contains("at blocks.1.hook_mlp_out, where #1 blocks.1.hook_mlp_out position 3: an overflow"
                    + " is in force"), u.getMessage());
            ws.interventions().clear();
            assertTrue(Double.isFinite(ws.logprobs(-2, 5).top().get(0).logProb()), "the fixture itself is finite");
        }
    }

    /** A script that meets a refusal stops there with exit status 1, naming the line. */
    @Test
    void aScriptStopsAtARefusal() throws Exception {
        Path script = tmp.resolve("set.jsh");
        java.nio.file.Files.writeString(script, "prompts ioi 4 seed 1\nlogprobs set\nlogprobs\n");
        ScriptModeTest.Outcome o = ScriptModeTest.cli("--model", models.get("nan-ln-final").toString(), script.toString());
        assertEquals(1, o.status(), o.out() + o.err());
        assertTrue(o.err().contains(script + ":2: ") && o.err().contains("not finite"), o.err());
        assertFalse(o.out().contains("'!'"), o.out());
    }

    /**
     * Values put into a run are checked before any: a change in force, a generation's ablation or a steering vector
     * made of NaN (a mean taken from a NaN run, a vector file) is refused in one line, and nothing is put in force.
     */
    @Test
    void changesMadeOfNonFiniteNumbersAreRefused() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine());
        b.take();
        InterventionScope scope = b.session().workspace().interventions();
        float[] row = new float[TestSessions.model().config().nEmbd()];
        row[5] = Float.NaN;
        for (Value v : List.of(new Value.Put(Value.Table.of(row), "a NaN row"), new Value.Add(Value.Table.of(new float[row.length]),
                Double.POSITIVE_INFINITY, "zeros"), new Value.Scale(Double.NaN))) {
            WorkspaceException e = assertThrows(WorkspaceException.class, () -> scope.add(new Intervention(
                    HookPoint.block(1, HookPoint.RESID_PRE), Cells.ALL, v)));
            assertTrue(e.getMessage().contains("a change must be made of finite numbers"), e.getMessage());
        }
        assertTrue(scope.isEmpty());
        Path npy = tmp.resolve("nan.npy");
        try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(npy)) {
            jlens.analysis.Npy.write(out, jlens.analysis.NdData.of(new long[] {row.length}, row));
        }
        TestSessions.assertOneLineError(b, "steer " + npy + " layer 1", "a vector must be finite");
        assertTrue(scope.isEmpty(), "nothing put in force");
    }

    /** A session on {@code which} (a broken model's folder, or the fixture with a NaN change in force), with the prelude run. */
    private static TestSessions.Buffered session(String which) {
        TestSessions.Buffered b = TestSessions.session();
        if (models.containsKey(which)) {
            b.exec("load " + models.get(which));
        } else if (which.equals("nan-change-in-force")) { // a Java function: no value to check before the pass
            b.session().workspace().interventions().add(new Intervention(HookPoint.block(1, HookPoint.RESID_PRE), Cells.ALL,
                    new Value.Fn((a, start) -> a.mul(Float.NaN), "a Java function")));
        }
        b.exec(PRELUDE.toArray(String[]::new));
        b.take();
        return b;
    }

    /** Removes what a line put in force (steer), keeping the first {@code keep} entries. */
    private static void undoChanges(TestSessions.Buffered b, int keep) {
        InterventionScope scope = b.session().workspace().interventions();
        List<InterventionScope.Entry> entries = scope.entries();
        for (InterventionScope.Entry e : entries.subList(keep, entries.size())) {
            scope.remove(e.number());
        }
    }

    private static List<String> lines() {
        return LINES.values().stream().flatMap(List::stream).toList();
    }
}
