package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import jlens.Fixture;
import jlens.model.Gpt2;
import org.junit.jupiter.api.Test;

/**
 * Composition scores against an independent float64 NumPy computation from the definition (each product formed
 * whole; {@code src/test/resources/composition/make_reference.py} made the file from the fixture's weights, whose
 * ln_1 weights are not ones, so the folding is checked too).
 */
class CompositionTest {
    @Test
    void matchesTheFloat64ReferenceForQKAndV() throws Exception {
        JsonObject ref = JsonParser.parseString(Files.readString(
                Path.of("src/test/resources/composition/reference-tiny-gpt2.json"))).getAsJsonObject();
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            int n = ref.get("n_layer").getAsInt() * ref.get("n_head").getAsInt();
            for (QkvPart part : QkvPart.values()) {
                Composition.Scores s = Composition.of(model, part);
                JsonArray rows = ref.getAsJsonArray(part.label());
                double worst = 0;
                int nonZero = 0;
                for (int i = 0; i < n; i++) {
                    JsonArray row = rows.get(i).getAsJsonArray();
                    for (int j = 0; j < n; j++) {
                        double expected = row.get(j).getAsDouble();
                        worst = Math.max(worst, Math.abs(expected - s.values()[i * n + j]));
                        nonZero += expected != 0 ? 1 : 0;
                        if (j / model.config().nHead() <= i / model.config().nHead()) {
                            assertEquals(0f, s.values()[i * n + j], part + " " + i + "," + j + " must be masked");
                        }
                    }
                }
                assertTrue(worst < 1e-5, part + ": largest difference " + worst);
                assertEquals(4 * 4 * 3, nonZero, part.toString()); // 3 pairs of layers, 16 pairs of heads each
                assertEquals(nonZero, s.rowCount());
            }
        }
    }
}
