package jlens.intervene.prompts;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jlens.model.Gpt2Tokenizer;

/**
 * Reads a prompt set from a file, checking every line against the model's tokenizer before anything runs.
 *
 * <p>Two formats. Plain text: one prompt per line, taken as it is (leading spaces count; a trailing {@code \r}
 * is dropped; blank lines are skipped). JSON Lines (extension {@code .jsonl}, {@code .ndjson} or {@code .json},
 * or any file but a {@code .txt} whose first non-blank line starts with <code>{</code>): one object per line with
 * the string fields {@code text} (required), {@code corrupt}, {@code answer}, {@code wrong} (the IOI
 * convention). A field given as {@code null} counts as absent. An unknown or repeated field is an error, so a
 * typo such as {@code anwser} is caught instead of silently dropping the answer.
 *
 * <p>Every problem is a {@link PromptFileException} whose message starts {@code FILE:LINE:}: invalid UTF-8, bad
 * JSON, a field of the wrong type, a missing or empty text, a prompt longer than the model's context, an
 * answer or wrong token that is not exactly one token (the message names its pieces), a corrupted prompt whose
 * token count differs from the clean one, a wrong token without an answer, and a file with no prompts.
 */
public final class PromptSetReader {
    /** Files larger than this are refused before reading (a prompt set is text, not a data dump). */
    static final long MAX_BYTES = 256L << 20;
    private static final Set<String> FIELDS = Set.of("text", "corrupt", "answer", "wrong");

    private final Gpt2Tokenizer tokenizer;
    private final int context;

    /** @param context the model's context length: longer prompts are refused */
    public PromptSetReader(Gpt2Tokenizer tokenizer, int context) {
        this.tokenizer = tokenizer;
        this.context = context;
    }

    public PromptSet read(Path file) {
        String where = file.toString();
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file)) {
                throw new PromptFileException(where, 0, Files.exists(file) ? "not a regular file; give a prompt file" : "file not found; check the path");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new PromptFileException(where, 0, "larger than " + (MAX_BYTES >> 20) + " MiB; split the prompt set");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PromptFileException(where, 0, "cannot read it (" + PromptFileException.printable(String.valueOf(e.getMessage())) + ")");
        }
        List<String> lines = lines(where, bytes);
        boolean json = jsonLines(file, lines);
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            prompts.add(json ? fromJson(where, i + 1, line) : prompt(where, i + 1, line, null, null, null));
        }
        if (prompts.isEmpty()) {
            throw new PromptFileException(where, 0, bytes.length == 0 ? "the file is empty; write one prompt per line"
                    : "no prompts (only blank lines); write one prompt per line");
        }
        return new PromptSet(file.getFileName().toString(), prompts);
    }

    /**
     * The prompts of {@code set} tokenised again and checked as a file's lines are (for another model's tokenizer
     * and context); errors name {@code SOURCE:LINE}.
     */
    public PromptSet check(PromptSet set) {
        List<Prompt> prompts = new ArrayList<>();
        for (Prompt p : set.prompts()) {
            prompts.add(prompt(set.source(), p.line(), p.text(), p.corrupt(), p.answer(), p.wrong()));
        }
        return new PromptSet(set.source(), prompts);
    }

    /** The file's lines, each decoded as strict UTF-8 (a bad byte names its line); a leading BOM is dropped. */
    private static List<String> lines(String where, byte[] bytes) {
        List<String> out = new ArrayList<>();
        int from = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        while (from <= bytes.length) {
            int end = from;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            if (end == bytes.length && from == end && !out.isEmpty()) {
                break; // the newline at the end of the last line
            }
            int stop = end > from && bytes[end - 1] == '\r' ? end - 1 : end;
            try {
                out.add(decoder.decode(ByteBuffer.wrap(bytes, from, stop - from)).toString());
            } catch (CharacterCodingException e) {
                throw new PromptFileException(where, out.size() + 1, "not UTF-8 text; save the file as UTF-8");
            }
            from = end + 1;
        }
        return out;
    }

    private static boolean jsonLines(Path file, List<String> lines) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return true;
        }
        if (name.endsWith(".txt")) {
            return false;
        }
        return lines.stream().filter(l -> !l.isBlank()).findFirst().map(l -> l.stripLeading().startsWith("{")).orElse(false);
    }

    private Prompt fromJson(String where, int line, String json) {
        Map<String, String> fields = new HashMap<>();
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw new PromptFileException(where, line, "expected a JSON object such as {\"text\": \"...\", \"answer\": \" Mary\"},"
                        + " one per line");
            }
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!FIELDS.contains(name)) {
                    throw new PromptFileException(where, line, "unknown field '" + PromptFileException.printable(name)
                            + "'; the fields are text, corrupt, answer, wrong");
                }
                if (fields.containsKey(name)) {
                    throw new PromptFileException(where, line, "field '" + name + "' appears twice");
                }
                JsonToken t = r.peek();
                if (t == JsonToken.NULL) {
                    r.nextNull();
                    fields.put(name, null);
                    continue;
                }
                if (t != JsonToken.STRING) {
                    throw new PromptFileException(where, line, "field '" + name + "' must be a string, not " + kind(t)
                            + (name.equals("answer") || name.equals("wrong") ? " (a token's text, such as \" Mary\")" : ""));
                }
                fields.put(name, r.nextString());
            }
            r.endObject();
            if (!atEnd(r)) {
                throw new PromptFileException(where, line, "more after the JSON object; JSON Lines has one object per line");
            }
        } catch (PromptFileException e) {
            throw e;
        } catch (IOException | IllegalStateException e) {
            throw new PromptFileException(where, line, "not valid JSON (" + PromptFileException.printable(jsonProblem(e), 80) + ")");
        }
        String text = fields.get("text");
        if (text == null) {
            throw new PromptFileException(where, line, "no \"text\" field; each line needs at least {\"text\": \"...\"}");
        }
        if (fields.get("wrong") != null && fields.get("answer") == null) {
            throw new PromptFileException(where, line, "a \"wrong\" token needs an \"answer\" to compare with");
        }
        return prompt(where, line, text, fields.get("corrupt"), fields.get("answer"), fields.get("wrong"));
    }

    /** Whether nothing but white space follows the object (a strict reader refuses a second value outright). */
    private static boolean atEnd(JsonReader r) {
        try {
            return r.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException | IllegalStateException e) {
            return false;
        }
    }

    private static final java.util.regex.Pattern GSON_WHERE = java.util.regex.Pattern.compile(" at line \\d+ column (\\d+).*", java.util.regex.Pattern.DOTALL);

    /** Gson's message as "at column N (reason)", without its advice on leniency and its URL. */
    private static String jsonProblem(Exception e) {
        String m = String.valueOf(e.getMessage());
        java.util.regex.Matcher where = GSON_WHERE.matcher(m);
        String column = "";
        if (where.find()) {
            column = "at column " + where.group(1) + ": ";
            m = m.substring(0, where.start());
        }
        if (m.startsWith("Use JsonReader.setStrictness")) {
            m = "names and strings need double quotes; no comments or trailing commas";
        }
        return column + m;
    }

    private static String kind(JsonToken t) {
        return switch (t) {
            case NUMBER -> "a number";
            case BOOLEAN -> "true/false";
            case BEGIN_ARRAY -> "a list";
            case BEGIN_OBJECT -> "an object";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }

    private Prompt prompt(String where, int line, String text, String corrupt, String answer, String wrong) {
        if (text.isEmpty()) {
            throw new PromptFileException(where, line, "the text is empty");
        }
        long[] ids = encode(where, line, "the prompt", text);
        long[] corruptIds = null;
        if (corrupt != null) {
            corruptIds = encode(where, line, "the corrupted prompt", corrupt);
            if (corruptIds.length != ids.length) {
                throw new PromptFileException(where, line, "the corrupted prompt is " + corruptIds.length + " tokens but the"
                        + " text is " + ids.length + "; they must line up token for token (swap names of one token each)");
            }
        }
        long answerId = answer == null ? -1 : oneToken(where, line, "answer", answer);
        long wrongId = wrong == null ? -1 : oneToken(where, line, "wrong", wrong);
        return new Prompt(line, text, corrupt, answer, wrong, ids, corruptIds, answerId, wrongId);
    }

    private long[] encode(String where, int line, String what, String text) {
        long[] ids;
        try {
            ids = tokenizer.encode(text); // refuses a text over the tokenizer's context, saying how many tokens it is
        } catch (IllegalArgumentException e) {
            throw new PromptFileException(where, line, what + ": " + e.getMessage());
        }
        if (ids.length > context) {
            throw new PromptFileException(where, line, what + " is " + ids.length + " tokens, more than the model's context of "
                    + context + "; shorten it");
        }
        return ids;
    }

    private long oneToken(String where, int line, String field, String value) {
        if (value.isEmpty()) {
            throw new PromptFileException(where, line, field + " is empty; give one token, such as \" Mary\"");
        }
        long[] ids = encode(where, line, field, value);
        if (ids.length != 1) {
            StringBuilder pieces = new StringBuilder();
            String[] ps = tokenizer.pieces(ids);
            for (int i = 0; i < Math.min(ps.length, 6); i++) {
                pieces.append(i == 0 ? "" : ", ").append('\'').append(PromptFileException.printable(ps[i], 20)).append('\'');
            }
            if (ps.length > 6) {
                pieces.append(", ...");
            }
            throw new PromptFileException(where, line, field + " '" + PromptFileException.printable(value) + "' is " + ids.length
                    + " tokens (" + pieces + "); it must be one token (GPT-2 words usually start with a space: ' Mary')");
        }
        return ids[0];
    }
}
