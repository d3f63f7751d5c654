package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jlens.chart.CircuitDiagram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code save FILE.dot}: the last circuit drawing as Graphviz DOT, refused in one line without one. */
class SaveDotTest {
    @TempDir
    Path dir;

    @Test
    void writesTheLastCircuitAsDotAndRefusesOtherCharts() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        Path file = dir.resolve("c.dot");
        UserError none = assertThrows(UserError.class, () -> b.exec("save " + file));
        assertTrue(none.getMessage().contains("a .dot file holds a circuit"), none.getMessage());
        CircuitDiagram circuit = new CircuitDiagram(Map.of("a0.h1->a1.h0<k>", 1.5, "a1.h0->logits", -0.5));
        b.session().draw(circuit, null);
        b.take();
        b.exec("save " + file);
        assertEquals(circuit.toDot(), Files.readString(file));
        assertTrue(b.take().contains("Graphviz DOT, 2 edges"));
        UserError exists = assertThrows(UserError.class, () -> b.exec("save " + file));
        assertTrue(exists.getMessage().contains("--force"), exists.getMessage());
    }
}
