package jlens.sae;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * The strict, bounded reading of an SAE's {@code cfg.json}: at most {@link #MAX_BYTES} read (a config is a few hundred
 * bytes), UTF-8 only, strict JSON (no comments, no trailing text), nesting at most 32 deep, no key twice in an object.
 * Values become {@code Map} (in file order), {@code List}, {@code String}, {@link Num}, {@code Boolean} or
 * {@link #NULL}. Every refusal is a {@link SaeLoadException} line naming the file.
 */
final class SaeJson {
    static final int MAX_BYTES = 1 << 20;
    /** JSON's null, distinct from a missing key. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private SaeJson() {}

    /** A JSON number as written: kept as its literal so that an integer is told apart from a fraction. */
    record Num(String literal) {
        boolean isInteger() {
            return literal.chars().allMatch(c -> c == '-' || (c >= '0' && c <= '9'));
        }

        double value() {
            return Double.parseDouble(literal);
        }
    }

    /** The file's top-level object. */
    static Map<String, Object> readObject(Path file) {
        String text = readText(file);
        JsonReader in = new JsonReader(new StringReader(text));
        in.setStrictness(Strictness.STRICT);
        in.setNestingLimit(32);
        try {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw new SaeLoadException(file + ": not a JSON object (an SAE's cfg.json is one)");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> top = (Map<String, Object>) value(file, in);
            if (in.peek() != JsonToken.END_DOCUMENT) {
                throw new SaeLoadException(file + ": text after the JSON object");
            }
            return top;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new SaeLoadException(file + ": malformed JSON (" + SaeText.problem(e.getMessage()) + ")");
        }
    }

    private static Object value(Path file, JsonReader in) throws IOException {
        switch (in.peek()) {
            case BEGIN_OBJECT -> {
                Map<String, Object> out = new LinkedHashMap<>();
                in.beginObject();
                while (in.hasNext()) {
                    String name = in.nextName();
                    if (out.containsKey(name)) {
                        throw new SaeLoadException(file + ": field " + SaeText.quote(name) + " appears twice");
                    }
                    out.put(name, value(file, in));
                }
                in.endObject();
                return out;
            }
            case BEGIN_ARRAY -> {
                List<Object> out = new ArrayList<>();
                in.beginArray();
                while (in.hasNext()) {
                    out.add(value(file, in));
                }
                in.endArray();
                return out;
            }
            case STRING -> {
                return in.nextString();
            }
            case NUMBER -> {
                return new Num(in.nextString());
            }
            case BOOLEAN -> {
                return in.nextBoolean();
            }
            case NULL -> {
                in.nextNull();
                return NULL;
            }
            default -> throw new SaeLoadException(file + ": malformed JSON (unexpected " + in.peek() + ")");
        }
    }

    /** The file's text: bounded, strict UTF-8, one-line refusals. */
    private static String readText(Path file) {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("cancelled");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new SaeLoadException(file + ": file not found (an SAE folder holds cfg.json and sae_weights.safetensors)");
        } catch (AccessDeniedException e) {
            throw new SaeLoadException(file + ": permission denied");
        } catch (IOException e) {
            throw new SaeLoadException(file + ": cannot read it (" + SaeText.problem(e.getMessage()) + ")");
        }
        if (bytes.length > MAX_BYTES) {
            throw new SaeLoadException(file + ": more than " + MAX_BYTES + " bytes; an SAE's cfg.json is a few hundred");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SaeLoadException(file + ": not valid UTF-8 text");
        }
    }
}
