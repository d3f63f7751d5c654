package jlens.corpus;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A corpus result as a file: JSON in the shape {@code save FILE.json} writes every result ({@code kind},
 * {@code command}, {@code parameters}, {@code result}), whose {@code result} holds the run's {@code info} and the
 * reduction's {@code sums}; the answer is computed again from the sums when it is read. The REPL's {@code save} and
 * the Spark job write it; {@code corpus show} reads it. A file is untrusted: it is bounded before it is read, and
 * anything that does not fit its task (a shape, a count) is refused in one line naming the file.
 */
public final class CorpusResults {
    /** A corpus result is sums, not activations. */
    public static final long MAX_BYTES = 512L << 20;

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().setPrettyPrinting().create();
    private static final Gson READ = new GsonBuilder().setStrictness(Strictness.LENIENT).create();

    private CorpusResults() {}

    /** The {@code kind} a task's results are saved as: {@code corpus-stats}, {@code corpus-lens}, ... */
    public static String kind(String task) {
        return "corpus-" + task;
    }

    /** The result record as JSON (what {@code result} holds). */
    public static String json(CorpusResult r) {
        return GSON.toJson(r);
    }

    /** The whole file: kind, command, parameters and the result. */
    public static String file(CorpusResult r, String command, Map<String, Object> parameters) {
        JsonObject o = new JsonObject();
        o.addProperty("kind", kind(r.info().task()));
        o.addProperty("command", command);
        o.add("parameters", GSON.toJsonTree(parameters));
        o.add("result", JsonParser.parseString(json(r)));
        return GSON.toJson(o) + "\n";
    }

    /** Reads a result file; refused in one {@link CorpusFileException} line naming the file. */
    public static CorpusResult read(Path file) {
        JsonObject root;
        try {
            if (!Files.isRegularFile(file)) {
                throw new CorpusFileException(file, 0, Files.exists(file) ? "not a regular file; give a corpus result (.json)"
                        : "file not found; check the path");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new CorpusFileException(file, 0, "larger than " + (MAX_BYTES >> 20) + " MiB; not a corpus result");
            }
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8); JsonReader r = new JsonReader(in)) {
                r.setStrictness(Strictness.LENIENT); // NaN and infinities, as every save writes them
                r.setNestingLimit(64);
                JsonElement e = JsonParser.parseReader(r);
                if (!e.isJsonObject()) {
                    throw new CorpusFileException(file, 0, "not a JSON object; give a file saved from a corpus result");
                }
                root = e.getAsJsonObject();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof CorpusFileException c) {
                throw c;
            }
            if (e instanceof java.nio.channels.ClosedByInterruptException) {
                throw new java.util.concurrent.CancellationException("cancelled");
            }
            throw new CorpusFileException(file, 0, "not a JSON file jlens can read (" + CorpusFileException.quote(
                    String.valueOf(e.getMessage()).replaceAll("\\s*See https?://\\S+", ""), 80) + ")");
        }
        String kind = root.has("kind") && root.get("kind").isJsonPrimitive() ? root.get("kind").getAsString() : "";
        JsonElement result = root.get("result");
        if (!kind.startsWith("corpus-") || result == null || !result.isJsonObject()) {
            throw new CorpusFileException(file, 0, "not a corpus result (its kind is '" + CorpusFileException.quote(kind, 40)
                    + "'); give a file saved after a 'corpus' command or written by the Spark job");
        }
        try {
            JsonObject r = result.getAsJsonObject();
            CorpusInfo info = READ.fromJson(r.get("info"), CorpusInfo.class);
            JsonElement sums = r.get("sums");
            if (info == null || sums == null || info.task() == null || !kind.equals(kind(info.task()))) {
                throw new IllegalArgumentException("its info or sums are missing");
            }
            return switch (info.task()) {
                case "stats" -> {
                    CorpusStats.Sums s = READ.fromJson(sums, CorpusStats.Sums.class);
                    s.check();
                    yield new CorpusStats.Result(info, s);
                }
                case "attention" -> {
                    CorpusAttention.Sums s = READ.fromJson(sums, CorpusAttention.Sums.class);
                    s.check();
                    yield new CorpusAttention.Result(info, s);
                }
                case "detect" -> {
                    CorpusDetect.Sums s = READ.fromJson(sums, CorpusDetect.Sums.class);
                    s.check();
                    yield new CorpusDetect.Result(info, s);
                }
                case "lens" -> {
                    CorpusLens.Sums s = READ.fromJson(sums, CorpusLens.Sums.class);
                    s.check();
                    yield new CorpusLens.Result(info, s);
                }
                case "features" -> {
                    CorpusFeatures.Sums s = READ.fromJson(sums, CorpusFeatures.Sums.class);
                    s.check();
                    yield new CorpusFeatures.Result(info, s);
                }
                default -> throw new IllegalArgumentException("unknown task '" + CorpusFileException.quote(info.task(), 40) + "'");
            };
        } catch (RuntimeException e) {
            throw new CorpusFileException(file, 0, "a corpus result jlens cannot use (" + CorpusFileException.quote(
                    String.valueOf(e.getMessage()).replaceAll("\\s*See https?://\\S+", ""), 100) + ")");
        }
    }
}
