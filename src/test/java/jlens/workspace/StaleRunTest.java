package jlens.workspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import jlens.Fixture;
import jlens.analysis.AttentionKind;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.analysis.QkvSplit;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.Cells;
import jlens.intervene.Intervention;
import jlens.intervene.Value;
import jlens.model.CheckpointFiles;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java API never serves a stale run: for every method that reads the last run, a change of the model's hooks (a
 * Java hook added, then removed), of the changes in force, of the text or of the model gives the numbers of a run made
 * with it, and undoing the change gives the first numbers back. Methods that run the text when they need to run it
 * again; methods that only read the last run refuse ("type 'run'") until it is run again.
 */
class StaleRunTest {
    private static final String Q0 = HookPoint.block(0, HookPoint.Q);
    private static final String OTHER_TEXT = "The quick brown fox jumps over the lazy dog and then runs";

    /** Methods that run the text themselves when the last run does not fit, each as a few of its numbers. */
    private static final Map<String, Function<Workspace, double[]>> RUNNING = new LinkedHashMap<>();
    /** Methods that only read the last run. */
    private static final Map<String, Function<Workspace, double[]>> READING = new LinkedHashMap<>();

    static {
        RUNNING.put("logprobs", ws -> floats(ws.logprobs(-2, 5).logProbs()));
        RUNNING.put("lens", ws -> ws.lens(-2, -1, 0, 2).logprobTarget());
        RUNNING.put("dla", ws -> {
            DirectLogitAttributionResult r = ws.dla(-2, -1, -1);
            return Arrays.stream(r.perHead()).flatMapToDouble(Arrays::stream).toArray();
        });
        RUNNING.put("attention", ws -> floats(ws.attention(0, 1, AttentionKind.SCORES).values()));
        RUNNING.put("ensureCaptured", ws -> floats(ws.ensureCaptured(List.of(Q0)).get(Q0).toFloatArray()));
        READING.put("split", ws -> {
            QkvSplit s = ws.split(0, 0);
            return floats(s.q());
        });
        READING.put("cache", ws -> floats(ws.cache().get(Q0).toFloatArray()));
        READING.put("cacheWith", ws -> floats(ws.cacheWith(List.of(Q0)).get(Q0).toFloatArray()));
        READING.put("activation", ws -> floats(ws.activation(Q0).toFloatArray()));
        READING.put("logits", ws -> floats(ws.logits().toFloatArray()));
    }

    /** A change to what a run is made with, and how to undo it. */
    private interface Change {
        AutoCloseable apply(Workspace ws);
    }

    private static final Map<String, Change> CHANGES = new LinkedHashMap<>();

    static {
        CHANGES.put("a Java hook", ws -> {
            Hooks.Scope scope = ws.model().hooks().scope();
            scope.add(HookPoint.block(0, HookPoint.RESID_PRE), (name, a) -> a.mul(1.5f));
            return scope::close;
        });
        CHANGES.put("a change in force", ws -> {
            ws.interventions().add(new Intervention(HookPoint.block(0, HookPoint.RESID_PRE), Cells.ALL, new Value.Scale(1.5)));
            return () -> ws.interventions().clear();
        });
        CHANGES.put("the text", ws -> {
            ws.text(OTHER_TEXT);
            return () -> ws.text(Fixture.text());
        });
        CHANGES.put("the model", ws -> {
            ws.load("scaled");
            return () -> ws.load("fixture");
        });
    }

    private static Path scaled;
    private static Workspace ws;

    @BeforeAll
    static void open(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        scaled = CheckpointFiles.withFloats(Fixture.dir(), tmp.resolve("scaled"), "wte.weight", (shape, w) -> {
            for (int i = 0; i < w.length; i++) {
                w[i] *= 1.5f; // every activation and logit moves
            }
        });
        ws = new Workspace(spec -> new LoadedModel(Gpt2.load(spec.equals("scaled") ? scaled : Fixture.dir()), spec, null));
        ws.load("fixture");
        ws.captureAll(HookPoint.QKV);
        ws.capture(Q0);
    }

    @BeforeEach
    void fixtureText() {
        ws.text(Fixture.text());
    }

    @AfterAll
    static void close() {
        ws.close();
    }

    static List<Arguments> cases() {
        return CHANGES.keySet().stream().flatMap(change -> java.util.stream.Stream.concat(RUNNING.keySet().stream(),
                READING.keySet().stream()).map(method -> Arguments.of(method, change))).toList();
    }

    @ParameterizedTest(name = "{0} after {1}")
    @MethodSource("cases")
    void neverServesAStaleRun(String method, String change) throws Exception {
        boolean reads = READING.containsKey(method);
        Function<Workspace, double[]> f = reads ? READING.get(method) : RUNNING.get(method);
        ws.run();
        double[] plain = f.apply(ws);

        AutoCloseable undo = CHANGES.get(change).apply(ws);
        double[] changed = read(f, reads, method + " after " + change);
        assertFalse(Arrays.equals(plain, changed), method + ": " + change + " served the run made before it");
        ws.run();
        assertArrayEquals(changed, f.apply(ws), 1e-6, method + " after " + change + ": the numbers of a run made with it");

        undo.close();
        assertArrayEquals(plain, read(f, reads, method + " after undoing " + change), 1e-6,
                method + ": undoing " + change + " gives the first numbers back");
    }

    /** What {@code f} gives now; a method that only reads first refuses the stale run, then reads a new one. */
    private double[] read(Function<Workspace, double[]> f, boolean reads, String what) {
        if (reads) {
            assertThrows(MissingStateException.class, () -> f.apply(ws), what + ": the last run is stale, and said so");
            ws.run();
        }
        return f.apply(ws);
    }

    private static double[] floats(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
