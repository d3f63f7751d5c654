package jlens.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import jlens.sys.MemoryErrors;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * GPT-2's byte-level BPE tokenizer, through DJL's binding of Hugging Face tokenizers on {@code tokenizer.json}.
 * It never truncates nor pads: DJL's default truncates at 512 tokens silently, which would analyse a different
 * text than the one the user typed.
 */
public final class Gpt2Tokenizer implements AutoCloseable {
    public static final String END_OF_TEXT = "<|endoftext|>";

    private final HuggingFaceTokenizer tokenizer;
    private final String[] vocabulary;
    private final int maxTokens;
    private final long endOfTextId;
    private final int maxTokenBytes;

    private Gpt2Tokenizer(HuggingFaceTokenizer tokenizer, String[] vocabulary, int maxTokens) {
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        this.maxTokens = maxTokens;
        int longest = 1;
        for (String v : vocabulary) {
            if (v != null) {
                longest = Math.max(longest, v.getBytes(StandardCharsets.UTF_8).length);
            }
        }
        this.maxTokenBytes = longest;
        long[] eot = tokenizer.encode(END_OF_TEXT).getIds();
        this.endOfTextId = eot.length == 1 ? eot[0] : -1;
    }

    /**
     * Loads {@code tokenizer.json} from a model folder.
     *
     * @param maxTokens the model's context length: longer texts are refused
     */
    public static Gpt2Tokenizer load(Path dir, int maxTokens) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file + ": file not found (jlens reads GPT-2's tokenizer from tokenizer.json)");
        }
        if (!Files.isReadable(file)) {
            throw new ModelLoadException(file + ": permission denied");
        }
        try {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .optMaxLength(Integer.MAX_VALUE / 2)
                    .build();
            return new Gpt2Tokenizer(tokenizer, readVocabulary(file), maxTokens);
        } catch (OutOfMemoryError e) {
            throw new ModelLoadException(file + ": " + MemoryErrors.describe(e, "while reading it"), e);
        } catch (IOException | RuntimeException e) {
            // a parser may wrap a full heap in its own exception: that is not a broken file
            Optional<OutOfMemoryError> oom = MemoryErrors.find(e);
            if (oom.isPresent()) {
                throw new ModelLoadException(file + ": " + MemoryErrors.describe(oom.get(), "while reading it"), e);
            }
            throw new ModelLoadException(file + ": not a valid tokenizer.json (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    /** The id-to-token table of {@code tokenizer.json} (its BPE vocabulary plus added tokens). */
    private static String[] readVocabulary(Path file) throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        Map<Integer, String> byId = new HashMap<>();
        JsonObject vocab = root.getAsJsonObject("model").getAsJsonObject("vocab");
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            byId.put(e.getValue().getAsInt(), e.getKey());
        }
        JsonElement added = root.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement t : added.getAsJsonArray()) {
                JsonObject o = t.getAsJsonObject();
                byId.put(o.get("id").getAsInt(), o.get("content").getAsString());
            }
        }
        int size = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        int min = byId.keySet().stream().mapToInt(Integer::intValue).min().orElse(0);
        // the table is indexed by id: an id far beyond the token count would allocate for nothing (or fail to)
        if (min < 0 || size > Math.max(2L * byId.size(), byId.size() + 65536L)) {
            throw new IllegalArgumentException("token id " + (min < 0 ? min : size - 1) + " is outside what "
                    + byId.size() + " tokens can use");
        }
        String[] out = new String[size];
        byId.forEach((id, token) -> out[id] = token);
        return out;
    }

    /** The first line of a library's message, cut short: it may quote the whole file. */
    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    /**
     * The most bytes of text one token can stand for: the longest entry of the vocabulary, in UTF-8 (a byte-level
     * entry has one character per byte, some of two bytes in UTF-8, so this errs on the long side). A text of more
     * than {@code n * maxTokenBytes()} bytes is more than {@code n} tokens, which readers check before tokenising.
     */
    public int maxTokenBytes() {
        return maxTokenBytes;
    }

    /**
     * Token ids of a piece of a longer text (a corpus cut into windows afterwards): not held to the context. The caller
     * bounds the piece (the tokenizer's work and result grow with it).
     */
    public long[] encodePiece(String text) {
        return tokenizer.encode(text).getIds();
    }

    /** Token ids of {@code text}; a text longer than the context is an error that says so. */
    public long[] encode(String text) {
        long[] ids = tokenizer.encode(text).getIds();
        if (ids.length > maxTokens) {
            throw new IllegalArgumentException("the text is " + ids.length + " tokens, longer than the model's context of "
                    + maxTokens + "; shorten it");
        }
        return ids;
    }

    /**
     * Token ids of {@code text} whatever its length: for readers that bound the text themselves (a corpus
     * document is tokenised in pieces of bounded size, each cut where the pre-tokenizer cuts too).
     */
    public long[] encodeUnbounded(String text) {
        return tokenizer.encode(text).getIds();
    }

    /** The BPE strings of each token ({@code Ġwho}: byte-level, space shown as Ġ). */
    public String[] tokenStrings(long[] ids) {
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i] >= 0 && ids[i] < vocabulary.length ? vocabulary[(int) ids[i]] : null;
        }
        return out;
    }

    /** Each token decoded on its own to text, as a reader sees it (" who", "\n"). */
    public String[] pieces(long[] ids) {
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = decode(new long[] {ids[i]});
        }
        return out;
    }

    public String decode(long[] ids) {
        return tokenizer.decode(ids, false);
    }

    /** The id of {@code <|endoftext|>}, or -1 if the vocabulary has none. */
    public long endOfTextId() {
        return endOfTextId;
    }

    /** Number of ids the tokenizer can produce (one more than its largest id). */
    public int vocabSize() {
        return vocabulary.length;
    }

    public int maxTokens() {
        return maxTokens;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
