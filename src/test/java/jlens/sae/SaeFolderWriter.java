package jlens.sae;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import jlens.model.SafetensorsWriter;

/** Writes small SAELens folders for tests: a cfg.json text and F32 tensors. */
final class SaeFolderWriter {
    private SaeFolderWriter() {}

    static void write(Path dir, String cfg, Map<String, float[]> tensors, Map<String, long[]> shapes) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cfg.json"), cfg, StandardCharsets.UTF_8);
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, float[]> e : new TreeMap<>(tensors).entrySet()) {
            w.addF32(e.getKey(), shapes.get(e.getKey()), e.getValue());
        }
        w.write(dir.resolve("sae_weights.safetensors"));
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
