package jlens;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The three SAELens folders for the tiny GPT-2 fixture and their float64 reference numbers (computed outside this project). */
public final class SaeFixtures {
    /** relu in the older layout, jumprelu and topk in SAELens 6's. */
    public static final List<String> NAMES = List.of("relu-pre6", "jumprelu-v6", "topk-v6");
    private static JsonObject reference;

    private SaeFixtures() {}

    public static Path root() {
        try {
            return Path.of(SaeFixtures.class.getResource("/tiny-gpt2-saes").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path dir(String name) {
        return root().resolve(name);
    }

    public static synchronized JsonObject reference() {
        if (reference == null) {
            try {
                reference = JsonParser.parseString(Files.readString(root().resolve("reference.json"))).getAsJsonObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return reference;
    }

    /** One SAE's reference numbers. */
    public static JsonObject of(String name) {
        return reference().getAsJsonObject("saes").getAsJsonObject(name);
    }

    public static long[] ids() {
        return reference().getAsJsonArray("token_ids").asList().stream().mapToLong(e -> e.getAsLong()).toArray();
    }

    public static String text() {
        return reference().get("text").getAsString();
    }
}
