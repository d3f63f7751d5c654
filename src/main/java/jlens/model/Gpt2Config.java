package jlens.model;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jlens.sys.MemoryErrors;

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
    /**
     * Bounds far above any GPT-2 (gpt2-xl: 48 layers, 25 heads, width 1600, 1024 positions, 50257 tokens) and
     * far below what overflows an index: a value past them is a broken or hostile file, refused by name before
     * anything is allocated.
     */
    static final int MAX_LAYERS = 1024;
    static final int MAX_EMBD = 1 << 16;
    static final int MAX_POSITIONS = 1 << 16;
    static final int MAX_VOCAB = 1 << 24;
    /** DJL indexes a tensor's elements with an int: no single weight may hold more. */
    static final long MAX_TENSOR_ELEMENTS = Integer.MAX_VALUE;

    public Gpt2Config {
        checkRange("n_layer", nLayer, MAX_LAYERS);
        checkRange("n_head", nHead, MAX_EMBD);
        checkRange("n_embd", nEmbd, MAX_EMBD);
        checkRange("n_positions", nPositions, MAX_POSITIONS);
        checkRange("vocab_size", vocabSize, MAX_VOCAB);
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not a multiple of n_head " + nHead);
        }
        if (!(layerNormEps > 0 && layerNormEps <= 1)) { // also false for NaN
            throw new IllegalArgumentException("layer_norm_epsilon " + layerNormEps + " is not in (0, 1]");
        }
        long c = nEmbd;
        checkElements("wte", (long) vocabSize * c);
        checkElements("wpe", (long) nPositions * c);
        checkElements("mlp.c_fc", 4 * c * c);
    }

    private static void checkRange(String field, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException(field + " " + value + " is outside 1.." + max);
        }
    }

    private static void checkElements(String tensor, long elements) {
        if (elements > MAX_TENSOR_ELEMENTS) {
            throw new IllegalArgumentException("the sizes make " + tensor + " hold " + elements
                    + " numbers, more than one tensor can (" + MAX_TENSOR_ELEMENTS + ")");
        }
    }

    /** Width of one head (HS). */
    public int dHead() {
        return nEmbd / nHead;
    }

    /** Number of parameters: embeddings, L blocks of 12C^2 + 13C, and the final layer norm. */
    public long parameterCount() {
        long c = nEmbd;
        return (long) vocabSize * c + (long) nPositions * c + (long) nLayer * (12 * c * c + 13 * c) + 2 * c;
    }

    /** Bytes of the causal mask a model builds on the Java heap and copies to native memory: P x P floats. */
    public long maskBytes() {
        return (long) nPositions * nPositions * Float.BYTES;
    }

    /**
     * Refuses, before anything is allocated, sizes this machine cannot hold: the weights at {@code bytesPerParam}
     * against physical memory, and the causal mask against the Java heap. Sizes that pass may still be more than
     * is free right now; those that fail never could fit.
     */
    public void checkFitsInMemory(Path file, int bytesPerParam) {
        long weights = parameterCount() * bytesPerParam;
        long physical = physicalMemory();
        if (physical > 0 && weights > physical) {
            throw new ModelLoadException(file + ": the sizes (n_layer " + nLayer + ", n_embd " + nEmbd + ", vocab_size "
                    + vocabSize + ", n_positions " + nPositions + ") make " + gib(weights) + " of weights, more than this"
                    + " machine's " + gib(physical) + " of memory");
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (maskBytes() > heap / 4) {
            throw new ModelLoadException(file + ": n_positions " + nPositions + " needs a " + gib(maskBytes())
                    + " attention mask, more than a quarter of the " + gib(heap) + " Java heap (-Xmx)");
        }
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** The fields jlens reads, with the JSON type each must have. */
    private static final Set<String> INTEGER_FIELDS = Set.of("n_layer", "n_head", "n_embd", "n_positions", "n_ctx", "vocab_size");

    /**
     * Reads {@code config.json}: strict JSON, each field jlens uses checked for its type and range and named when
     * wrong, then the sizes checked against this machine's memory. Every refusal is a {@link ModelLoadException}.
     */
    public static Gpt2Config read(Path file) {
        String text;
        try {
            byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file + ": file not found (a GPT-2 folder needs config.json)");
        } catch (AccessDeniedException e) {
            throw new ModelLoadException(file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new ModelLoadException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            throw new ModelLoadException(file + ": " + MemoryErrors.describe(e, "while reading it")
                    + " (a config.json is a few hundred bytes: is this one?)");
        }
        Map<String, Object> fields = parse(file, text);
        Object activation = fields.getOrDefault("activation_function", "gelu_new");
        if (!(activation instanceof String a)) {
            throw new ModelLoadException(file + ": field \"activation_function\" must be a string");
        }
        if (!a.equals("gelu_new")) {
            throw new ModelLoadException(file + ": activation_function " + Safetensors.quote(a)
                    + " is not GPT-2's gelu_new; only GPT-2 checkpoints are supported");
        }
        int nPositions;
        if (fields.containsKey("n_positions")) {
            nPositions = intField(file, fields, "n_positions"); // Hugging Face ignores a stale n_ctx beside it
        } else {
            nPositions = intField(file, fields, "n_ctx");
        }
        double eps = 1e-5;
        if (fields.containsKey("layer_norm_epsilon")) {
            Object e = fields.get("layer_norm_epsilon");
            if (e instanceof Double d) {
                eps = d;
            } else if (e instanceof Long n) {
                eps = n;
            } else {
                throw new ModelLoadException(file + ": field \"layer_norm_epsilon\" must be a number, not "
                        + describe(e));
            }
        }
        Gpt2Config config;
        try {
            config = new Gpt2Config(intField(file, fields, "n_layer"), intField(file, fields, "n_head"),
                    intField(file, fields, "n_embd"), nPositions, intField(file, fields, "vocab_size"), eps);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file + ": " + e.getMessage());
        }
        config.checkFitsInMemory(file, Float.BYTES);
        return config;
    }

    /**
     * The top-level fields jlens uses, as Long (integers), Double (other numbers), String, or a type name for
     * anything else; the rest of the file is only checked to be strict JSON. A repeated field is refused.
     */
    private static Map<String, Object> parse(Path file, String text) {
        JsonReader in = new JsonReader(new StringReader(text));
        in.setStrictness(Strictness.STRICT);
        in.setNestingLimit(64);
        Map<String, Object> out = new HashMap<>();
        try {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw new ModelLoadException(file + ": not a JSON object");
            }
            Set<String> seen = new HashSet<>();
            in.beginObject();
            while (in.hasNext()) {
                String name = in.nextName();
                if (!seen.add(name)) {
                    throw new ModelLoadException(file + ": field " + Safetensors.quote(name) + " appears twice");
                }
                boolean used = INTEGER_FIELDS.contains(name) || name.equals("layer_norm_epsilon")
                        || name.equals("activation_function");
                if (!used) {
                    in.skipValue();
                    continue;
                }
                JsonToken token = in.peek();
                switch (token) {
                    case NUMBER -> out.put(name, number(in.nextString()));
                    case STRING -> out.put(name, new Text(in.nextString()));
                    default -> {
                        in.skipValue();
                        out.put(name, new Other(token.name().toLowerCase(Locale.ROOT)));
                    }
                }
            }
            in.endObject();
            if (in.peek() != JsonToken.END_DOCUMENT) {
                throw new ModelLoadException(file + ": text after the JSON object");
            }
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new ModelLoadException(file + ": malformed JSON (" + Safetensors.jsonProblem(e.getMessage()) + ")");
        }
        // activation_function is the one string field: unwrap it; the rest keep their wrappers for messages.
        if (out.get("activation_function") instanceof Text t) {
            out.put("activation_function", t.value());
        }
        return out;
    }

    /** A JSON string where a number was due. */
    private record Text(String value) {}

    /** A JSON value of another type (object, array, boolean, null). */
    private record Other(String type) {}

    /** An integer literal as Long (exactly, or a too-large marker), any other number as Double. */
    private static Object number(String literal) {
        if (literal.chars().allMatch(c -> c == '-' || (c >= '0' && c <= '9'))) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                return new Other("integer too large (" + Safetensors.quote(literal) + ")");
            }
        }
        return Double.parseDouble(literal);
    }

    private static int intField(Path file, Map<String, Object> fields, String name) {
        Object value = fields.get(name);
        if (value == null) {
            throw new ModelLoadException(file + ": missing field \"" + name + "\"");
        }
        if (!(value instanceof Long n)) {
            throw new ModelLoadException(file + ": field \"" + name + "\" must be a whole number, not " + describe(value));
        }
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new ModelLoadException(file + ": field \"" + name + "\" is " + n + "; it must be a positive size");
        }
        return (int) (long) n;
    }

    private static String describe(Object value) {
        if (value instanceof Text t) {
            return "the text " + Safetensors.quote(t.value());
        }
        if (value instanceof Other o) {
            return o.type().startsWith("integer") ? "an " + o.type() : "a JSON " + o.type();
        }
        if (value instanceof Double d) {
            return "the fraction " + d;
        }
        return String.valueOf(value);
    }
}
