package jlens.intervene.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jlens.Fixture;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.CheckpointFiles;
import jlens.model.Gpt2;
import jlens.model.SafetensorsWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import jlens.intervene.Intervention;

/** Generation with the key/value cache against recomputing the whole sequence for every new token. */
class GeneratorTest {
    /** Cached and recomputed log-probs differ only by float rounding in a different order of sums. */
    static final double LOGPROB_TOLERANCE = 1e-4;

    @TempDir
    static Path tmp;
    private static Gpt2 model;
    private static Gpt2 half;

    @BeforeAll
    static void load() throws IOException {
        model = Gpt2.load(Fixture.dir());
        Path dir = CheckpointFiles.copyWithoutWeights(Fixture.dir(), tmp.resolve("f16"));
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) -> {
            ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocate(data.length / 2).order(ByteOrder.LITTLE_ENDIAN);
            while (in.hasRemaining()) {
                out.putShort(SafetensorsWriter.toHalf(in.getFloat()));
            }
            return new CheckpointFiles.Rewritten(info.name(), "F16", info.shape(), out.array());
        });
        half = Gpt2.load(dir);
    }

    @AfterAll
    static void close() {
        model.close();
        half.close();
    }

    private static long[] prompt() {
        return java.util.Arrays.copyOf(Fixture.tokenIds(), 12);
    }

    private static void assertSameGeneration(GenerationResult expected, GenerationResult actual) {
        assertArrayEquals(expected.ids(), actual.ids(), "tokens");
        assertEquals(expected.stop(), actual.stop());
        for (int i = 0; i < expected.logprobs().length; i++) {
            assertEquals(expected.logprobs()[i], actual.logprobs()[i], LOGPROB_TOLERANCE, "log-prob of new token " + i);
        }
    }

    @Test
    void greedyWithTheCacheEqualsRecomputing() {
        GenerationOptions options = GenerationOptions.greedy(20);
        Generator g = new Generator(model);
        GenerationResult cached = g.generate(prompt(), options);
        GenerationResult naive = g.generate(prompt(), options.withNaive(true));
        assertEquals(20, cached.ids().length);
        assertSameGeneration(naive, cached);
        assertEquals(GenerationStop.DONE, cached.stop());
        assertEquals(model.tokenizer().decode(cached.ids()), cached.text());
        assertTrue(java.util.Arrays.stream(cached.ids()).distinct().count() > 1, "a varied continuation makes the check strong");
    }

    @Test
    void greedyWithTheCacheEqualsRecomputingOnF16Weights() {
        GenerationOptions options = GenerationOptions.greedy(20);
        Generator g = new Generator(half);
        GenerationResult cached = g.generate(prompt(), options);
        assertSameGeneration(g.generate(prompt(), options.withNaive(true)), cached);
    }

    @Test
    void greedyPicksTheArgmaxOfAPlainForwardPass() {
        GenerationResult r = new Generator(model).generate(prompt(), GenerationOptions.greedy(3));
        long[] seq = r.sequence();
        try (var m = model.manager().newSubManager()) {
            for (int i = 0; i < 3; i++) {
                int len = prompt().length + i;
                float[] logits = model.forward(java.util.Arrays.copyOf(seq, len), m).get("0, {}, :", len - 1).toFloatArray();
                assertEquals(GenerationChooser.argmax(logits), seq[len], "token " + i);
                float[] lp = model.forward(java.util.Arrays.copyOf(seq, len), m).get("0, {}, :", len - 1).logSoftmax(0).toFloatArray();
                assertEquals(lp[(int) seq[len]], r.logprobs()[i], LOGPROB_TOLERANCE);
            }
        }
    }

    @Test
    void hookedGenerationEqualsRecomputingWithTheHookAtEveryStep() {
        Generator g = new Generator(model);
        int last = prompt().length + 3; // a position that only exists once generation has reached it
        List<Intervention> interventions = List.of(
                Intervention.zeroHead(1, 2, -1),
                Intervention.zeroHead(0, 1, 4),
                Intervention.zeroHead(2, 3, last));
        GenerationOptions options = GenerationOptions.greedy(15).withInterventions(interventions);
        GenerationResult plain = g.generate(prompt(), GenerationOptions.greedy(15));
        GenerationResult cached;
        GenerationResult naive;
        try (Hooks.Scope scope = model.hooks().scope()) {
            scope.add("resid_post 0", (name, x) -> x.mul(x.getManager().create(0.5f))); // a plain hook, every position
            cached = g.generate(prompt(), options);
            naive = g.generate(prompt(), options.withNaive(true));
        }
        assertSameGeneration(naive, cached);
        assertFalse(java.util.Arrays.equals(plain.logprobs(), cached.logprobs()), "the interventions change the generation");
        assertTrue(model.hooks().isEmpty(), "the generation's hooks are gone");
    }

    /**
     * A head whose values are NaN at every position (its V weights are NaN): generation reads NaN logits, and zeroing
     * that head's output overwrites the NaN at every step, cached or recomputed, as a full pass does. Multiplying by a
     * 0/1 mask (how generation once zeroed a head) keeps it: {@code NaN * 0} is NaN.
     */
    @Test
    void zeroingANanHeadOverwritesTheNanAtEveryStep() throws IOException {
        int last = model.config().nLayer() - 1;
        try (Gpt2 nan = Gpt2.load(jlens.model.CheckpointFiles.nanHead(Fixture.dir(), tmp.resolve("nan-head"), last, 1))) {
            Generator g = new Generator(nan);
            IllegalArgumentException nanLogits = assertThrows(IllegalArgumentException.class,
                    () -> g.generate(prompt(), GenerationOptions.greedy(4)));
            assertTrue(nanLogits.getMessage().contains("not finite"), "the NaN reaches the logits: " + nanLogits.getMessage());
            GenerationOptions zeroed = GenerationOptions.greedy(4).withInterventions(List.of(Intervention.zeroHead(last, 1, -1)));
            GenerationResult cached = g.generate(prompt(), zeroed);
            assertTrue(java.util.Arrays.stream(cached.logprobs()).allMatch(Double::isFinite), java.util.Arrays.toString(cached.logprobs()));
            assertSameGeneration(g.generate(prompt(), zeroed.withNaive(true)), cached);
            try (Gpt2 finite = Gpt2.load(Fixture.dir())) { // the head zeroed in the model without NaN: the same tokens
                assertArrayEquals(new Generator(finite).generate(prompt(), zeroed).ids(), cached.ids());
            }
        }
    }

    @Test
    void anInterventionAtAGeneratedPositionActsOnlyFromThere() {
        Generator g = new Generator(model);
        int at = prompt().length + 2;
        GenerationResult plain = g.generate(prompt(), GenerationOptions.greedy(6));
        GenerationResult hooked = g.generate(prompt(), GenerationOptions.greedy(6)
                .withInterventions(List.of(Intervention.zeroHead(0, 0, at))));
        for (int i = 0; i <= 2; i++) { // new tokens 0..2 are predicted from positions before `at`
            assertEquals(plain.logprobs()[i], hooked.logprobs()[i], 0.0, "token " + i);
        }
        assertNotEquals(plain.logprobs()[3], hooked.logprobs()[3], "token 3 is predicted at position " + at);
    }

    @Test
    void hooksSeeTheNewPositionAtEachStep() {
        List<String> shapes = new ArrayList<>();
        try (Hooks.Scope scope = model.hooks().scope()) {
            scope.add("z1", (name, z) -> {
                shapes.add("z" + z.getShape());
                return null;
            });
            scope.add("scores 1", (name, s) -> {
                shapes.add("s" + s.getShape());
                return null;
            });
            new Generator(model).generate(prompt(), GenerationOptions.greedy(3));
        }
        int t = prompt().length;
        assertEquals(List.of("z(1, " + t + ", 4, 8)", "s(1, 4, " + t + ", " + t + ")",
                "z(1, 1, 4, 8)", "s(1, 4, 1, " + (t + 1) + ")", "z(1, 1, 4, 8)", "s(1, 4, 1, " + (t + 2) + ")"),
                reorder(shapes));
    }

    /** Scores run before z in a block: list each step's z first, as the expectation does. */
    private static List<String> reorder(List<String> seen) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i + 1 < seen.size(); i += 2) {
            out.add(seen.get(i + 1));
            out.add(seen.get(i));
        }
        return out;
    }

    @Test
    void seededSamplingIsReproducibleAndSeedsDiffer() {
        Generator g = new Generator(model);
        GenerationOptions a = GenerationOptions.greedy(12).withSampling(GenerationSampling.sample(1.0, 0, 7));
        GenerationResult first = g.generate(prompt(), a);
        GenerationResult again = g.generate(prompt(), a);
        assertArrayEquals(first.ids(), again.ids());
        GenerationResult other = g.generate(prompt(), a.withSampling(GenerationSampling.sample(1.0, 0, 8)));
        assertFalse(java.util.Arrays.equals(first.ids(), other.ids()), "another seed, other tokens");
        assertSameGeneration(g.generate(prompt(), a.withNaive(true)), first);
        GenerationResult topOne = g.generate(prompt(), a.withSampling(GenerationSampling.sample(2.0, 1, 3)));
        assertArrayEquals(g.generate(prompt(), GenerationOptions.greedy(12)).ids(), topOne.ids(), "top-k 1 is greedy");
    }

    @Test
    void topKKeepsOnlyTheKMostLikely() {
        float[] lp = {-3f, -1f, -2f, -0.5f, -9f};
        GenerationChooser c = new GenerationChooser(GenerationSampling.sample(50.0, 2, 1)); // nearly uniform over the 2
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(c.choose(lp));
        }
        assertEquals(java.util.Set.of(1, 3), seen);
    }

    @Test
    void streamingHearsEachTokenAndCancellingKeepsWhatWasMade() {
        AtomicBoolean stop = new AtomicBoolean();
        List<GeneratedToken> heard = new ArrayList<>();
        GenerationOptions options = GenerationOptions.greedy(10).withListener(t -> {
            heard.add(t);
            if (heard.size() == 3) {
                stop.set(true);
            }
        }).withCancel(stop::get);
        GenerationResult r = new Generator(model).generate(prompt(), options);
        assertEquals(GenerationStop.CANCELLED, r.stop());
        assertEquals(3, r.ids().length);
        for (int i = 0; i < 3; i++) {
            assertEquals(r.ids()[i], heard.get(i).id());
            assertEquals(r.pieces().get(i), heard.get(i).piece());
            assertEquals(prompt().length + i, heard.get(i).position());
        }
        assertTrue(r.message().contains("3 of 10"), r.message());
    }

    @Test
    void stopsAtTheContextWithAMessage() {
        int context = model.config().nPositions();
        long[] prompt = new long[context - 4];
        java.util.Arrays.fill(prompt, 11);
        GenerationResult r = new Generator(model).generate(prompt, GenerationOptions.greedy(10));
        assertEquals(4, r.ids().length);
        assertEquals(GenerationStop.CONTEXT, r.stop());
        assertTrue(r.message().contains("context of " + context), r.message());
        long[] full = new long[context];
        var e = assertThrows(IllegalArgumentException.class, () -> new Generator(model).generate(full, GenerationOptions.greedy(1)));
        assertTrue(e.getMessage().contains("fill the model's context"), e.getMessage());
    }

    @Test
    void theCacheIsRefusedBeforeThePassWhenOverTheBudget() {
        long budget = model.captureBudgetBytes();
        try {
            model.setCaptureBudgetBytes(1000);
            var e = assertThrows(IllegalArgumentException.class, () -> new Generator(model).generate(prompt(), GenerationOptions.greedy(5)));
            assertTrue(e.getMessage().contains("capture budget"), e.getMessage());
        } finally {
            model.setCaptureBudgetBytes(budget);
        }
        assertEquals(2L * 3 * 4 * 16 * 8 * 4, KvCache.bytes(model.config(), model.dtype(), 16));
        assertTrue(HookPoint.all(3).contains(HookPoint.block(1, HookPoint.Z)));
    }
}
