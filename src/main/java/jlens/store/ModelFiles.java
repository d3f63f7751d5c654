package jlens.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The files that make a GPT-2 folder, and the check that a folder has them. */
public final class ModelFiles {
    private ModelFiles() {}

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";
    /** Pickle weights: recognised only to explain why they are refused. */
    public static final String PICKLE_WEIGHTS = "pytorch_model.bin";

    /** Without these the loader cannot start. Config first: its HEAD request pins the commit for the rest. */
    public static final List<String> REQUIRED = List.of(CONFIG, TOKENIZER, WEIGHTS);
    /** Fetched when the hub has them, so Python tools and other tokenizers find what they expect. */
    public static final List<String> OPTIONAL = List.of("vocab.json", "merges.txt", "tokenizer_config.json",
            "generation_config.json");

    /** The required files {@code dir} lacks (a broken symlink counts as missing); empty when it is complete. */
    public static List<String> missing(Path dir) {
        return REQUIRED.stream().filter(f -> !Files.isRegularFile(dir.resolve(f))).toList();
    }

    public static boolean complete(Path dir) {
        return Files.isDirectory(dir) && missing(dir).isEmpty();
    }
}
