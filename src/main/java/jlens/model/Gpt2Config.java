package jlens.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * GPT-2 hyper-parameters, as Hugging Face's {@code config.json} names them.
 *
 * @param nLayer layers (L)
 * @param nHead attention heads per layer (NH)
 * @param nEmbd model width d_model (C)
 * @param nPositions context length (the longest text the model can read)
 * @param vocabSize vocabulary size (V)
 * @param layerNormEps epsilon of every layer norm
 */
public record Gpt2Config(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize, double layerNormEps) {

    public Gpt2Config {
        if (nLayer <= 0 || nHead <= 0 || nEmbd <= 0 || nPositions <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("config sizes must be positive: " + nLayer + " layers, " + nHead
                    + " heads, n_embd " + nEmbd + ", n_positions " + nPositions + ", vocab " + vocabSize);
        }
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not a multiple of n_head " + nHead);
        }
    }

    /** Width of one head (HS). */
    public int dHead() {
        return nEmbd / nHead;
    }

    /** Reads {@code config.json}; a missing field, a non-GPT-2 activation or bad JSON is a {@link ModelLoadException}. */
    public static Gpt2Config read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file + ": file not found (a GPT-2 folder needs config.json)");
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + e.getMessage());
        }
        JsonObject json;
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw new ModelLoadException(file + ": not a JSON object");
            }
            json = root.getAsJsonObject();
        } catch (RuntimeException e) {
            if (e instanceof ModelLoadException m) {
                throw m;
            }
            // Gson's message starts with the wrapped exception's class name; its cause says just where and what.
            Throwable why = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e;
            throw new ModelLoadException(file + ": malformed JSON (" + firstLine(why.getMessage()) + ")");
        }
        String activation = json.has("activation_function") ? json.get("activation_function").getAsString() : "gelu_new";
        if (!activation.equals("gelu_new")) {
            throw new ModelLoadException(file + ": activation_function '" + activation
                    + "' is not GPT-2's gelu_new; only GPT-2 checkpoints are supported");
        }
        try {
            int nPositions = json.has("n_positions") ? intField(json, "n_positions", file) : intField(json, "n_ctx", file);
            double eps = json.has("layer_norm_epsilon") ? json.get("layer_norm_epsilon").getAsDouble() : 1e-5;
            return new Gpt2Config(intField(json, "n_layer", file), intField(json, "n_head", file),
                    intField(json, "n_embd", file), nPositions, intField(json, "vocab_size", file), eps);
        } catch (IllegalArgumentException e) {
            if (e.getClass() == IllegalArgumentException.class) {
                throw new ModelLoadException(file + ": " + e.getMessage());
            }
            throw e;
        }
    }

    private static int intField(JsonObject json, String name, Path file) {
        JsonElement value = json.get(name);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw new ModelLoadException(file + ": missing or non-numeric field \"" + name + "\"");
        }
        return value.getAsInt();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
