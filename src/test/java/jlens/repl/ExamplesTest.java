package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every script in examples/ runs to the end on the fixture model, as {@code ./jlens --model FIXTURE FILE} does. */
class ExamplesTest {
    @ParameterizedTest
    @ValueSource(strings = {"demo1-qkv.jsh", "demo2-qkt.jsh", "demo3-ablation.jsh", "java-api.jsh", "induction.jsh"})
    void runsOnTheFixture(String name) {
        TestSessions.Buffered b = TestSessions.session();
        b.session().workspace().modelChosen(true); // as --model does: the examples' prefer("gpt2-large") keeps the fixture
        try {
            b.session().interpreter().runFile(Path.of("examples", name));
        } catch (ScriptFailure f) {
            throw new AssertionError(f.located() + "\n" + b.take());
        }
        String out = b.take();
        assertTrue(out.contains("tokens"), out);
        assertTrue(!out.contains("error"), out);
    }
}
