package jlens.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jlens.Fixture;
import jlens.analysis.HeadDetectKind;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Any split of a corpus into ranges of groups, each reduced on its own from its indexed start (as a cluster's
 * executor reduces its part), merged with {@code plus} in any order and grouping, gives the sums of the whole read
 * in one go: every count equal, every float64 within 1e-9 relative. For every task.
 */
class CorpusMergeTest {
    static Gpt2 model;
    static Path dir;
    static Corpus corpus;
    static CorpusIndex index;
    static final CorpusOptions OPTIONS = CorpusOptions.defaults().withWindow(12).withGroup(3).withBatch(2);
    static final Map<String, CorpusSums<?>> WHOLE = new java.util.LinkedHashMap<>();
    static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    static List<CorpusReduction<?>> reductions() {
        return List.of(new CorpusStats(List.of(HookPoint.block(1, HookPoint.Z), HookPoint.block(2, HookPoint.MLP_POST)), -2, 2, 16),
                new CorpusAttention(), new CorpusDetect(HeadDetectKind.PREVIOUS_TOKEN, true, false), new CorpusLens(),
                new CorpusFeatures(new FeatureFunction.Neurons(0), 3, 2, 1));
    }

    @BeforeContainer
    static void load() throws IOException {
        model = Gpt2.load(Fixture.dir());
        dir = Files.createTempDirectory("jlens-corpus-merge");
        corpus = Corpus.open(Files.writeString(dir.resolve("m.txt"), String.join("\n", CorpusReaderTest.docs(21, 26))),
                CorpusOptions.Documents.AUTO);
        index = CorpusIndex.build(corpus, OPTIONS, () -> false);
        for (CorpusReduction<?> r : reductions()) {
            WHOLE.put(r.task(), whole(r));
        }
    }

    @AfterContainer
    static void close() throws IOException {
        model.close();
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static <S extends CorpusSums<S>> S whole(CorpusReduction<S> r) {
        try (CorpusWindows w = CorpusWindows.open(corpus, OPTIONS, model.tokenizer(), 64, () -> false)) {
            return CorpusRunner.run(model, w, OPTIONS.batch(), r, List.of(), p -> {}).sums();
        }
    }

    static <S extends CorpusSums<S>> S part(CorpusReduction<S> r, int from, int to) {
        try (CorpusWindows w = CorpusWindows.open(corpus, OPTIONS, model.tokenizer(), 64, index.starts().get(from), to - from, () -> false)) {
            return CorpusRunner.run(model, w, OPTIONS.batch(), r, List.of(), p -> {}).sums();
        }
    }

    /** Parts of a split, merged by a random tree: two random parts at a time, in a random order. */
    static <S extends CorpusSums<S>> S splitAndMerge(CorpusReduction<S> r, List<int[]> ranges, Random random) {
        List<S> parts = new ArrayList<>();
        for (int[] range : ranges) {
            parts.add(part(r, range[0], range[1]));
        }
        if (random.nextBoolean()) {
            parts.add(r.empty(model.config())); // the identity, anywhere
        }
        while (parts.size() > 1) {
            S a = parts.remove(random.nextInt(parts.size()));
            S b = parts.remove(random.nextInt(parts.size()));
            parts.add(random.nextBoolean() ? a.plus(b) : b.plus(a));
        }
        return parts.get(0);
    }

    @Property(tries = 8, seed = "20270125", shrinking = ShrinkingMode.OFF)
    void anySplitMergesToTheWhole(@ForAll @IntRange(min = 1, max = 1 << 20) int cutBits, @ForAll long seed) {
        int groups = index.groups();
        assertTrue(groups >= 6, "groups: " + groups);
        List<int[]> ranges = new ArrayList<>();
        int from = 0;
        for (int g = 1; g < groups; g++) {
            if ((cutBits >> (g % 20) & 1) == 1) {
                ranges.add(new int[] {from, g});
                from = g;
            }
        }
        ranges.add(new int[] {from, groups});
        Random random = new Random(seed);
        for (CorpusReduction<?> r : reductions()) {
            CorpusSums<?> merged = splitAndMerge(r, ranges, random);
            same(GSON.toJsonTree(WHOLE.get(r.task())), GSON.toJsonTree(merged), r.task() + " split into " + ranges.size());
        }
    }

    /** Equal trees: integers exactly, other numbers within 1e-9 relative. */
    static void same(JsonElement a, JsonElement b, String where) {
        if (a.isJsonObject()) {
            assertEquals(a.getAsJsonObject().keySet(), b.getAsJsonObject().keySet(), where);
            for (String k : a.getAsJsonObject().keySet()) {
                same(a.getAsJsonObject().get(k), b.getAsJsonObject().get(k), where + "." + k);
            }
        } else if (a.isJsonArray()) {
            assertEquals(a.getAsJsonArray().size(), b.getAsJsonArray().size(), where);
            for (int i = 0; i < a.getAsJsonArray().size(); i++) {
                same(a.getAsJsonArray().get(i), b.getAsJsonArray().get(i), where + "[" + i + "]");
            }
        } else if (a.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber()) {
            String sa = a.getAsString();
            String sb = b.getAsString();
            if (sa.matches("-?\\d+") && sb.matches("-?\\d+")) {
                assertEquals(sa, sb, where);
            } else {
                double x = a.getAsDouble();
                double y = b.getAsDouble();
                assertTrue(x == y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)) + 1e-300,
                        where + ": " + x + " vs " + y);
            }
        } else {
            assertEquals(a, b, where);
        }
    }
}
