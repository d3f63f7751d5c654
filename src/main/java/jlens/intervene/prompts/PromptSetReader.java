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
import java.util.concurrent.CancellationException;
import jlens.model.Gpt2Tokenizer;
import jlens.model.TextCharacters;

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
 * JSON, a field of the wrong type, a missing or empty text, a character the {@code text} command refuses too
 * ({@link TextCharacters}: control characters, broken surrogates), a prompt longer than the model's context, an
 * answer or wrong token that is not exactly one token (the message names its pieces), a corrupted prompt whose
 * token count differs from the clean one, a wrong token without an answer, and a file with no prompts.
 *
 * <p>Work is bounded before it is done: a file over {@value #MAX_BYTES_TEXT} is refused before it is read, and a
 * line longer than the context could hold (more bytes than {@code context} tokens of the longest the vocabulary has,
 * {@link Gpt2Tokenizer#maxTokenBytes}) before it is decoded or tokenised (a 32 MiB line was tokenised whole: 40 s and
 * 3 GB). Reading stops at an interrupt (Ctrl-C) with a {@link CancellationException}, between lines, and returns
 * nothing, so the caller keeps the set it had.
 */
public final class PromptSetReader {
    /** Files larger than this are refused before reading (a prompt set is text, not a data dump). */
    static final long MAX_BYTES = 256L << 20;
    private static final String MAX_BYTES_TEXT = "256 MiB";
    /** How much longer than its text a JSON line can be: every character escaped (a backslash-u escape, 6 bytes). */
    private static final int JSON_ESCAPE = 6;
    private static final Set<String> FIELDS = Set.of("text", "corrupt", "answer", "wrong");

    private final Gpt2Tokenizer tokenizer;
    private final int context;

    /** @param context the model's context length: longer prompts are refused */
    public PromptSetReader(Gpt2Tokenizer tokenizer, int context) {
        this.tokenizer = tokenizer;
        this.context = context;
    }

    /** The most UTF-8 bytes a prompt of at most {@code context} tokens can have. */
    private long maxPromptBytes() {
        return (long) context * tokenizer.maxTokenBytes();
    }

    /** The most bytes a line can have and still hold prompts within the context (JSON: all four fields, escaped). */
    private long maxLineBytes(boolean json) {
        return json ? JSON_ESCAPE * (2 * maxPromptBytes() + 2L * tokenizer.maxTokenBytes()) + 4096 : maxPromptBytes();
    }

    /** Throws {@link CancellationException} when this thread was interrupted (Ctrl-C); the flag stays set. */
    private static void checkCancel() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("cancelled");
        }
    }

    public PromptSet read(Path file) {
        String where = file.toString();
        byte[] bytes;
        checkCancel();
        try {
            if (!Files.isRegularFile(file)) {
                throw new PromptFileException(where, 0, Files.exists(file) ? "not a regular file; give a prompt file" : "file not found; check the path");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new PromptFileException(where, 0, "larger than " + (MAX_BYTES >> 20) + " MiB; split the prompt set");
            }
            bytes = Files.readAllBytes(file);
        } catch (java.nio.channels.ClosedByInterruptException e) { // Ctrl-C while reading: a cancellation, not a bad file
            throw new CancellationException("cancelled");
        } catch (IOException e) {
            throw new PromptFileException(where, 0, "cannot read it (" + PromptFileException.printable(String.valueOf(e.getMessage())) + ")");
        }
        boolean json = jsonLines(file, bytes);
        List<String> lines = lines(where, bytes, maxLineBytes(json));
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            checkCancel();
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
            checkCancel();
            prompts.add(prompt(set.source(), p.line(), p.text(), p.corrupt(), p.answer(), p.wrong()));
        }
        return new PromptSet(set.source(), prompts);
    }

    /**
     * The file's lines, each decoded as strict UTF-8 (a bad byte names its line); a leading BOM is dropped. A line
     * over {@code maxLine} bytes is refused before it is decoded.
     */
    private List<String> lines(String where, byte[] bytes, long maxLine) {
        List<String> out = new ArrayList<>();
        int from = bom(bytes) ? 3 : 0;
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        while (from <= bytes.length) {
            if ((out.size() & 1023) == 0) {
                checkCancel();
            }
            int end = from;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            if (end == bytes.length && from == end && !out.isEmpty()) {
                break; // the newline at the end of the last line
            }
            int stop = end > from && bytes[end - 1] == '\r' ? end - 1 : end;
            if (stop - from > maxLine) {
                throw new PromptFileException(where, out.size() + 1, "the line is " + (stop - from) + " bytes, more than"
                        + " prompts within the model's context of " + context + " tokens can be (at most " + maxLine
                        + " bytes; a token stands for at most " + tokenizer.maxTokenBytes() + "); shorten it");
            }
            try {
                out.add(decoder.decode(ByteBuffer.wrap(bytes, from, stop - from)).toString());
            } catch (CharacterCodingException e) {
                throw new PromptFileException(where, out.size() + 1, "not UTF-8 text; save the file as UTF-8");
            }
            from = end + 1;
        }
        return out;
    }

    private static boolean bom(byte[] bytes) {
        return bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf;
    }

    /** JSON Lines by extension, else (but for .txt) when the first non-blank line starts with <code>{</code>. */
    private static boolean jsonLines(Path file, byte[] bytes) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return true;
        }
        if (name.endsWith(".txt")) {
            return false;
        }
        for (int i = bom(bytes) ? 3 : 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return b == '{';
            }
        }
        return false;
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
        checkCharacters(where, line, "the prompt", text);
        checkCharacters(where, line, "the corrupted prompt", corrupt);
        checkCharacters(where, line, "answer", answer);
        checkCharacters(where, line, "wrong", wrong);
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

    /** What the {@code text} command refuses, refused here too, naming the field. */
    private static void checkCharacters(String where, int line, String what, String value) {
        if (value != null) {
            TextCharacters.problem(value).ifPresent(bad -> {
                throw new PromptFileException(where, line, what + " has " + bad + "; remove it (\\t is fine)");
            });
        }
    }

    private long[] encode(String where, int line, String what, String text) {
        long bytes = utf8Length(text);
        if (bytes > maxPromptBytes()) { // more than the context can hold whatever the tokens: refused untokenised
            throw new PromptFileException(where, line, what + " is " + bytes + " bytes, more than the model's context of "
                    + context + " tokens can hold (at most " + maxPromptBytes() + " bytes); shorten it");
        }
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

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a pair: 4 bytes, 2 per half
        }
        return n;
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
