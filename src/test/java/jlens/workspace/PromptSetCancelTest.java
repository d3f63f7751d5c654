package jlens.workspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import jlens.Fixture;
import jlens.intervene.prompts.PromptSet;
import jlens.model.Gpt2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C (an interrupt of the working thread) while a prompt set is read or made again leaves the previous state: a
 * cancelled read keeps the set there was, and a cancelled remake for a new model keeps the set's origin, so that it is
 * made when next used, instead of dropping it as a set that "does not fit".
 */
class PromptSetCancelTest {
    @TempDir
    Path tmp;
    private Workspace ws;

    @BeforeEach
    void open() {
        ws = new Workspace(spec -> new LoadedModel(Gpt2.load(Fixture.dir()), spec, null));
        ws.load("fixture");
    }

    @AfterEach
    void close() {
        Thread.interrupted();
        ws.close();
    }

    private Path file(String name, int lines) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            text.append("When Mary and John went to the store, John gave a drink to\n");
        }
        return Files.writeString(tmp.resolve(name), text);
    }

    @Test
    void aCancelledReadKeepsTheSetThereWas() throws Exception {
        PromptSet first = ws.prompts().read(file("first.txt", 3));
        Path second = file("second.txt", 5);
        Thread.currentThread().interrupt();
        assertThrows(CancellationException.class, () -> ws.prompts().read(second), "a cancellation, not a bad file");
        assertTrue(Thread.interrupted(), "the flag is left for the command loop to clear");
        assertSame(first, ws.prompts().set());
    }

    @Test
    void aCancelledRemakeKeepsTheSetAndMakesItAtItsNextUse() throws Exception {
        PromptSet before = ws.prompts().read(file("set.txt", 4));
        Gpt2 other = Gpt2.load(Fixture.dir());
        Thread.currentThread().interrupt(); // Ctrl-C once the model is read, while the set is made for it
        String said = ws.use(other, "other", null, true).orElseThrow();
        assertTrue(Thread.interrupted());
        assertTrue(said.contains("prompt set set.txt not made again for other (cancelled): it is made when next used"), said);
        assertTrue(ws.prompts().present(), "not dropped");

        Thread.currentThread().interrupt(); // cancelled again at its use: still waiting
        assertThrows(CancellationException.class, () -> ws.prompts().set());
        assertTrue(Thread.interrupted());
        assertTrue(ws.prompts().present());

        PromptSet after = ws.prompts().set();
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i).ids(), after.get(i).ids(), "made again for the model in use");
        }
        assertSame(after, ws.prompts().set(), "made once");
    }
}
