package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jlens.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code config.json} checked by type and range, field by field: every bad value is one line that names the field
 * (and the file), refused before anything is allocated; sizes no machine could hold never reach the allocator.
 */
class ConfigValidationTest {
    @TempDir
    Path tmp;

    /** The fixture's config with one field replaced by raw JSON ({@code null} value text removes it). */
    private Path config(String field, String rawValue) throws IOException {
        JsonObject o = JsonParser.parseString(Files.readString(Fixture.dir().resolve("config.json"))).getAsJsonObject();
        o.remove(field);
        String json = o.toString();
        if (rawValue != null) {
            json = "{\"" + field + "\":" + rawValue + "," + json.substring(1);
        }
        Path f = tmp.resolve("config.json");
        Files.writeString(f, json);
        return f;
    }

    record Bad(String field, String value, String says) {
        @Override
        public String toString() {
            return field + "=" + value;
        }
    }

    static List<Bad> badValues() {
        return List.of(
                new Bad("layer_norm_epsilon", "\"1e-5\"", "layer_norm_epsilon\" must be a number, not the text '1e-5'"),
                new Bad("layer_norm_epsilon", "{\"v\":1}", "layer_norm_epsilon\" must be a number, not a JSON begin_object"),
                new Bad("layer_norm_epsilon", "-1e-5", "layer_norm_epsilon -1.0E-5 is not in (0, 1]"),
                new Bad("layer_norm_epsilon", "0", "layer_norm_epsilon 0.0 is not in (0, 1]"),
                new Bad("layer_norm_epsilon", "\"NaN\"", "not the text 'NaN'"),
                new Bad("layer_norm_epsilon", "1e999", "layer_norm_epsilon Infinity is not in (0, 1]"),
                new Bad("n_layer", "\"3\"", "\"n_layer\" must be a whole number, not the text '3'"),
                new Bad("n_layer", "3.5", "\"n_layer\" must be a whole number, not the fraction 3.5"),
                new Bad("n_layer", "0", "\"n_layer\" is 0; it must be a positive size"),
                new Bad("n_layer", "-3", "\"n_layer\" is -3"),
                new Bad("n_layer", "2000000000", "n_layer 2000000000 is outside 1..1024"),
                new Bad("n_layer", "99999999999999999999", "\"n_layer\" must be a whole number, not an integer too large"),
                new Bad("n_layer", "null", "\"n_layer\" must be a whole number, not a JSON null"),
                new Bad("n_layer", null, "missing field \"n_layer\""),
                new Bad("n_head", "5", "n_embd 32 is not a multiple of n_head 5"),
                new Bad("n_head", "[4]", "\"n_head\" must be a whole number, not a JSON begin_array"),
                new Bad("n_embd", "70000", "n_embd 70000 is outside 1..65536"),
                new Bad("vocab_size", "2147483647", "vocab_size 2147483647 is outside 1..16777216"),
                new Bad("n_embd", "65536", "more than one tensor can"),
                new Bad("n_positions", "65536", "attention mask"),
                new Bad("activation_function", "\"relu\"", "activation_function 'relu' is not GPT-2's gelu_new"),
                new Bad("activation_function", "7", "\"activation_function\" must be a string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void refusedInOneLineNamingTheField(Bad bad) throws IOException {
        Path f = config(bad.field(), bad.value());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Config.read(f));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(bad.says()), "'" + e.getMessage() + "' should say '" + bad.says() + "'");
    }

    @Test
    void strictJsonAndDuplicateFields() throws IOException {
        String good = Files.readString(Fixture.dir().resolve("config.json"));
        Path f = tmp.resolve("config.json");
        for (String broken : new String[] {
                good.replaceFirst("\\{", "{ // a comment\n"),
                good.replace("\"n_layer\"", "'n_layer'"),
                good + " trailing",
                good.replaceFirst("\\{", "{\"n_layer\": 3,")}) {
            Files.writeString(f, broken);
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Config.read(f));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        Files.writeString(f, good.replaceFirst("\\{", "{\"n_layer\": 3,"));
        assertTrue(assertThrows(ModelLoadException.class, () -> Gpt2Config.read(f)).getMessage().contains("'n_layer' appears twice"));
    }

    @Test
    void theFixtureAndHuggingFaceVariantsAreRead() throws IOException {
        Gpt2Config c = Gpt2Config.read(Fixture.dir().resolve("config.json"));
        assertEquals(new Gpt2Config(3, 4, 32, 64, 50257, 1e-5), c);
        // n_ctx alone (old configs), an integer epsilon, and a stale n_ctx beside n_positions
        assertEquals(64, Gpt2Config.read(config("n_positions", null)).nPositions());
        assertEquals(1.0, Gpt2Config.read(config("layer_norm_epsilon", "1")).layerNormEps());
    }

    @Test
    void weightsThatCannotFitAreRefusedBeforeAllocation() {
        // 1024 layers of width 65536 would be 52 TB of weights: refused by arithmetic, not by an OutOfMemoryError
        Gpt2Config huge = new Gpt2Config(1024, 16, 16384, 1024, 50257, 1e-5);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> huge.checkFitsInMemory(Path.of("config.json"), 4));
        assertTrue(e.getMessage().contains("more than this machine's"), e.getMessage());
        assertTrue(e.getMessage().contains("n_layer 1024"), e.getMessage());
    }

    @Test
    void theRecordChecksDirectConstruction() {
        assertThrows(IllegalArgumentException.class, () -> new Gpt2Config(3, 4, 32, 64, 50257, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Gpt2Config(3, 0, 32, 64, 50257, 1e-5));
    }
}
