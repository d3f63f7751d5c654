package jlens.intervene.prompts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import jlens.Fixture;
import jlens.model.Gpt2Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The IOI generator against the real GPT-2 tokenizer (the fixture carries GPT-2's own tokenizer.json). */
class IoiPromptsTest {
    private static Gpt2Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Gpt2Tokenizer.load(Fixture.dir(), 1024);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void everyNamePlaceAndObjectIsOneTokenWithItsLeadingSpace() {
        Stream.of(IoiPrompts.NAMES, IoiPrompts.PLACES, IoiPrompts.OBJECTS).flatMap(List::stream).forEach(w -> {
            assertTrue(w.startsWith(" ") && !w.substring(1).contains(" "), w);
            long[] ids = tokenizer.encode(w);
            assertEquals(1, ids.length, "'" + w + "' is " + ids.length + " tokens");
            assertEquals(w, tokenizer.decode(ids));
        });
        assertEquals(IoiPrompts.NAMES.size(), IoiPrompts.NAMES.stream().distinct().count());
    }

    @Test
    void answersAreTheIndirectObjectAndCorruptLinesUp() {
        PromptSet set = IoiPrompts.generate(60, 1, tokenizer);
        assertEquals(60, set.size());
        assertTrue(set.hasAnswerPairs() && set.hasCorrupt());
        for (Prompt p : set.prompts()) {
            String io = p.answer();
            String s = p.wrong();
            assertNotEquals(io, s);
            assertTrue(p.text().endsWith(s + " gave a" + p.text().substring(p.text().lastIndexOf(" gave a") + 7)), p.text());
            assertEquals(1, count(p.text(), io), "the indirect object appears once: " + p.text());
            assertEquals(2, count(p.text(), s), "the subject is repeated: " + p.text());
            assertEquals(2, count(p.corrupt(), io), "the corrupted prompt repeats the other name: " + p.corrupt());
            assertEquals(p.ids().length, p.corruptIds().length);
            assertArrayEquals(tokenizer.encode(p.text()), p.ids());
            assertEquals(tokenizer.encode(io)[0], p.answerId());
            assertEquals(tokenizer.encode(s)[0], p.wrongId());
            int diff = 0;
            for (int i = 0; i < p.ids().length; i++) {
                diff += p.ids()[i] != p.corruptIds()[i] ? 1 : 0;
            }
            assertEquals(1, diff, "clean and corrupt differ in the repeated name's token only");
        }
        assertTrue(set.prompts().stream().map(Prompt::answer).distinct().count() > 10, "names vary");
        assertTrue(set.prompts().stream().anyMatch(p -> p.text().indexOf(p.answer()) < p.text().indexOf(p.wrong())));
        assertTrue(set.prompts().stream().anyMatch(p -> p.text().indexOf(p.answer()) > p.text().indexOf(p.wrong())));
    }

    @Test
    void theSeedMakesTheSet() {
        List<String> a = IoiPrompts.generate(20, 5, tokenizer).prompts().stream().map(Prompt::text).toList();
        assertEquals(a, IoiPrompts.generate(20, 5, tokenizer).prompts().stream().map(Prompt::text).toList());
        assertFalse(a.equals(IoiPrompts.generate(20, 6, tokenizer).prompts().stream().map(Prompt::text).toList()));
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
            if (i + word.length() == text.length() || !Character.isLetter(text.charAt(i + word.length()))) {
                n++;
            }
        }
        return n;
    }
}
