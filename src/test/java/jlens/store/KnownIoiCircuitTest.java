package jlens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.intervene.prompts.IoiPrompts;
import jlens.intervene.prompts.Prompt;
import jlens.intervene.prompts.PromptSet;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The known model's IOI-like circuit does what {@code known_circuits.json} says, on the IOI prompts jlens generates:
 * the indirect object's logit exceeds the subject's on every prompt and the corrupted prompt flips it; S-inhibition
 * attends from the last token to the repeated name and the name mover to the other name; zeroing any of the three
 * heads takes the difference away, zeroing an idle head does not.
 */
class KnownIoiCircuitTest {
    static Gpt2 model;
    static PromptSet set;
    static final KnownIoiCircuit IOI = KnownModelWriter.CIRCUITS.ioi();

    @BeforeAll
    static void load() {
        model = Gpt2.load(KnownModelFixture.dir());
        set = IoiPrompts.generate(60, 3, model.tokenizer());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** logit(answer) - logit(wrong) at the last position of each prompt (clean or corrupted), one head zeroed or none. */
    static double[] diffs(boolean corrupt, KnownHead zeroed) {
        double[] out = new double[set.prompts().size()];
        Hooks hooks = model.hooks();
        for (int i = 0; i < out.length; i++) {
            Prompt p = set.prompts().get(i);
            long[] ids = corrupt ? p.corruptIds() : p.ids();
            try (Hooks.Scope scope = hooks.scope(); NDManager m = model.manager().newSubManager()) {
                if (zeroed != null) {
                    scope.add(HookPoint.block(zeroed.layer(), HookPoint.Z), (name, z) -> {
                        NDArray o = z.duplicate();
                        o.set(new NDIndex(":, :, " + zeroed.head() + ", :"), 0f);
                        return o;
                    });
                }
                float[] last = model.forward(ids, m).get(new NDIndex("0, -1")).toFloatArray();
                out[i] = last[(int) p.answerId()] - last[(int) p.wrongId()];
            }
        }
        return out;
    }

    static double min(double[] a) {
        return java.util.Arrays.stream(a).min().orElseThrow();
    }

    static double max(double[] a) {
        return java.util.Arrays.stream(a).max().orElseThrow();
    }

    static double mean(double[] a) {
        return java.util.Arrays.stream(a).average().orElseThrow();
    }

    @Test
    void theIndirectObjectWinsAndTheCorruptionFlipsIt() {
        double[] clean = diffs(false, null);
        double[] corrupt = diffs(true, null);
        System.out.printf("IOI logit diff clean min %.2f mean %.2f; corrupt max %.2f mean %.2f%n", min(clean), mean(clean),
                max(corrupt), mean(corrupt));
        assertTrue(min(clean) > 3, "clean logit diff min " + min(clean));
        assertTrue(max(corrupt) < -3, "corrupted logit diff max " + max(corrupt));
    }

    @Test
    void eachHeadOfTheCircuitIsNeededAndAnIdleOneIsNot() {
        for (KnownHead h : List.of(IOI.duplicateToken(), IOI.sInhibition(), IOI.nameMover())) {
            double[] d = diffs(false, h);
            System.out.printf("IOI logit diff with %s zeroed: mean %.2f, max |d| %.2f%n", h, mean(d),
                    Math.max(max(d), -min(d)));
            // what is left is the induction head's copy of another token, whose cosine with the two names is random
            assertTrue(Math.abs(mean(d)) < 1, h + " zeroed: mean logit diff " + mean(d));
        }
        double[] idle = diffs(false, new KnownHead(2, 0));
        double[] clean = diffs(false, null);
        for (int i = 0; i < idle.length; i++) {
            assertEquals(clean[i], idle[i], 1e-3);
        }
    }

    @Test
    void sInhibitionAttendsToTheRepeatedNameAndTheNameMoverToTheOther() {
        double sToS2 = 0;
        double nmToIo = 0;
        for (Prompt p : set.prompts()) {
            long[] ids = p.ids();
            int t = ids.length;
            int s2 = -1;
            List<Integer> io = new ArrayList<>();
            for (int j = 0; j < t; j++) {
                if (ids[j] == p.wrongId()) {
                    s2 = j;
                }
                if (ids[j] == p.answerId()) {
                    io.add(j);
                }
            }
            List<String> names = List.of(HookPoint.block(1, HookPoint.PATTERN), HookPoint.block(2, HookPoint.PATTERN));
            try (Gpt2.Run run = model.run(ids, names)) {
                float[] p1 = run.cache().get(names.get(0)).toFloatArray(); // [1, NH, T, T]
                float[] p2 = run.cache().get(names.get(1)).toFloatArray();
                sToS2 += p1[(IOI.sInhibition().head() * t + t - 1) * t + s2] / set.prompts().size();
                nmToIo += p2[(IOI.nameMover().head() * t + t - 1) * t + io.get(0)] / set.prompts().size();
            }
        }
        System.out.printf("S-inhibition -> S2 %.3f, name mover -> IO %.3f%n", sToS2, nmToIo);
        assertTrue(sToS2 > 0.95, "S-inhibition attention on the repeated name " + sToS2);
        assertTrue(nmToIo > 0.95, "name mover attention on the indirect object " + nmToIo);
    }

    @Test
    void theNamesAreTheIoiPromptsNamesAndTheJsonSaysSo() throws Exception {
        assertEquals(Set.copyOf(KnownModelWriter.NAMES), Set.copyOf(ioiNames()));
        KnownCircuits read = KnownCircuits.read(KnownModelFixture.dir());
        assertEquals(KnownModelWriter.CIRCUITS, read);
        assertEquals("K", read.ioi().edges().stream().filter(e -> e.name().equals("a0.h2->a1.h1<k>")).findFirst()
                .orElseThrow().composition());
        assertEquals("Q", read.ioi().edges().stream().filter(e -> e.name().equals("a1.h1->a2.h1<q>")).findFirst()
                .orElseThrow().composition());
    }

    @SuppressWarnings("unchecked")
    static List<String> ioiNames() throws Exception {
        java.lang.reflect.Field f = IoiPrompts.class.getDeclaredField("NAMES");
        f.setAccessible(true);
        return (List<String>) f.get(null);
    }
}
