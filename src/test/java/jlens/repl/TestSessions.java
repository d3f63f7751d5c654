package jlens.repl;

import jlens.OutputAudit;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import jlens.Fixture;
import jlens.model.Gpt2;

/** One fixture model for the whole suite (loading is the slow part), and sessions that print into a buffer. */
final class TestSessions {
    private static Gpt2 shared;

    private TestSessions() {}

    static synchronized Gpt2 model() {
        if (shared == null) {
            shared = Gpt2.load(Fixture.dir());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    private static java.nio.file.Path known;

    /** The known-answer model, written once per test run into a temporary folder removed at exit. */
    static synchronized java.nio.file.Path knownDir() {
        if (known == null) {
            try {
                // in a folder of its own: the known SAE is written beside the model
                java.nio.file.Path parent = java.nio.file.Files.createTempDirectory("jlens-known-repl");
                java.nio.file.Path d = parent.resolve("known-model-1");
                jlens.store.KnownModelWriter.write(d);
                known = d;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try (var s = java.nio.file.Files.walk(parent)) {
                        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    } catch (java.io.IOException ignored) {
                        // best effort at exit
                    }
                }));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return known;
    }

    /** A session on the shared model (not owned: closing the session keeps the model). */
    static Buffered session() {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        Session s = new Session(out, (spec, session) -> {
            if (spec.equals("fixture") || spec.equals(Fixture.dir().toString())) {
                return new ModelSource.Loaded(model(), "tiny-gpt2", null);
            }
            if (spec.equals("known") || spec.equals("demo")) { // written once into a temporary folder, not ~/.cache
                return new ModelSource.Loaded(Gpt2.load(knownDir()), "known", "known-answer model");
            }
            return Models.source(new Models.Options("cpu", "f32")).load(spec, session);
        });
        s.useModel(model(), "tiny-gpt2", null, false);
        s.settings().set("color", "mono", 1);
        return new Buffered(s, text);
    }

    /** A session and everything it printed. */
    record Buffered(Session session, StringWriter text) {
        String take() {
            String s = OutputAudit.check(text.toString());
            text.getBuffer().setLength(0);
            return s;
        }

        Buffered exec(String... lines) {
            for (String l : lines) {
                session.interpreter().run(l);
            }
            return this;
        }
    }

    /** What "the session is unchanged" compares. */
    record State(String model, String text, List<Long> ids, List<String> hooked, boolean hasRun, List<String> cached,
            Result result, Map<String, String> settings) {}

    static State state(Session s) {
        List<Long> ids = s.workspace().hasText() ? java.util.Arrays.stream(s.workspace().ids()).boxed().toList() : null;
        return new State(s.workspace().modelName(), s.workspace().text(), ids, s.workspace().captured(), s.workspace().hasRun(), s.workspace().hasRun() ? s.workspace().cache().names() : null,
                s.lastResult(), s.settings().describe());
    }

    /** The notebook's text as a text command line. */
    static String textLine() {
        return "text " + Words.quote(Fixture.text());
    }

    /** {@code line} fails with one line (no control characters) that contains {@code expected}; the output is dropped. */
    static void assertOneLineError(Buffered b, String line, String expected) {
        UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> b.session().interpreter().run(line), line);
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(expected), line + " said: " + e.getMessage());
        org.junit.jupiter.api.Assertions.assertFalse(e.getMessage().contains("\n")
                || e.getMessage().codePoints().anyMatch(Character::isISOControl), e.getMessage());
        b.take();
    }
}
