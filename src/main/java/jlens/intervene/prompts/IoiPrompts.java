package jlens.intervene.prompts;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jlens.model.Gpt2Tokenizer;

/**
 * IOI-style prompts (indirect object identification, Wang et al. 2022) from fixed lists, so a set exists without
 * a file: "When Mary and John went to the store, John gave a drink to" expects the indirect object " Mary"
 * ({@code answer}) rather than the repeated subject " John" ({@code wrong}). The corrupted prompt repeats the
 * other name instead ("..., Mary gave a drink to"), which flips which name is the indirect object while keeping
 * every token in place: patching from it measures what carries the answer. Every name, place and object is one
 * GPT-2 token with its leading space (a test checks each against the real tokenizer), so the clean and corrupted
 * prompts have the same token count, and prompts of one template all have the same length.
 */
public final class IoiPrompts {
    /** {@code {A}}, {@code {B}}: the two names in either order; {@code {S}} the repeated one; place, object. */
    static final List<String> TEMPLATES = List.of(
            "When{A} and{B} went to the{P},{S} gave a{O} to",
            "After{A} and{B} went to the{P},{S} gave a{O} to",
            "Then,{A} and{B} went to the{P}.{S} gave a{O} to");
    static final List<String> NAMES = List.of(" Mary", " John", " Tom", " James", " Dan", " Sid", " Martin", " Amy",
            " Paul", " Kate", " Lisa", " Mark", " Mike", " David", " Peter", " Sarah", " Jack", " Sam", " Ben", " Alex",
            " Emma", " Laura", " Jane", " Adam", " Eric", " Steve", " Rachel", " Andrew", " Michael", " George",
            " Thomas", " Daniel", " Anna", " Alice", " Frank", " Grace", " Henry", " Kevin", " Ryan", " Scott");
    static final List<String> PLACES = List.of(" store", " park", " school", " house", " office", " hospital",
            " station", " restaurant", " garden", " beach", " library", " market");
    static final List<String> OBJECTS = List.of(" drink", " ring", " kiss", " book", " ball", " letter", " snack",
            " bone", " computer", " necklace", " gift", " bottle");

    private IoiPrompts() {}

    /**
     * {@code n} prompts drawn with {@link SplittableRandom}{@code (seed)}: the same n and seed give the same set.
     * Each has two different names, a place, an object and a template; which name comes first is drawn too.
     */
    public static PromptSet generate(int n, long seed, Gpt2Tokenizer tokenizer) {
        if (n < 1 || n > 100_000) {
            throw new IllegalArgumentException("ask for 1..100000 IOI prompts, not " + n);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String template = TEMPLATES.get(random.nextInt(TEMPLATES.size()));
            String io = NAMES.get(random.nextInt(NAMES.size()));
            String s = io;
            while (s.equals(io)) {
                s = NAMES.get(random.nextInt(NAMES.size()));
            }
            String place = PLACES.get(random.nextInt(PLACES.size()));
            String object = OBJECTS.get(random.nextInt(OBJECTS.size()));
            boolean ioFirst = random.nextBoolean();
            String a = ioFirst ? io : s;
            String b = ioFirst ? s : io;
            String text = fill(template, a, b, s, place, object);
            String corrupt = fill(template, a, b, io, place, object);
            long[] ids = tokenizer.encode(text);
            long[] corruptIds = tokenizer.encode(corrupt);
            long[] answer = tokenizer.encode(io);
            long[] wrong = tokenizer.encode(s);
            if (corruptIds.length != ids.length || answer.length != 1 || wrong.length != 1) {
                throw new IllegalStateException("this tokenizer does not split the IOI names into single tokens ('"
                        + PromptFileException.printable(io) + "', '" + PromptFileException.printable(s) + "'); it is not GPT-2's");
            }
            prompts.add(new Prompt(i + 1, text, corrupt, io, s, ids, corruptIds, answer[0], wrong[0]));
        }
        return new PromptSet("ioi " + n + " seed " + seed, prompts);
    }

    private static String fill(String template, String a, String b, String s, String place, String object) {
        return template.replace("{A}", a).replace("{B}", b).replace("{S}", s).replace("{P}", place).replace("{O}", object);
    }
}
