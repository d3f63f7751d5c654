package jlens.store;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What is wired where in the known-answer model: one head per circuit. Written beside {@code config.json} as
 * {@value #FILE}, so whoever opens the folder can say which head does what.
 *
 * @param firstToken attends to the first position whatever the text (an attention sink)
 * @param previousToken attends one position back; writes the previous token into the residual stream
 * @param duplicateToken attends to earlier copies of the current token (else to the first position)
 * @param currentToken attends to its own position
 * @param induction attends to the position after an earlier copy of the current token (its key reads the
 *     previous-token head's output: K-composition) and copies that token into the prediction
 * @param ioi the IOI-like multi-hop circuit (duplicate-token, S-inhibition, name mover); null in a folder written
 *     before it existed
 */
public record KnownCircuits(KnownHead firstToken, KnownHead previousToken, KnownHead duplicateToken,
                           KnownHead currentToken, KnownHead induction, KnownIoiCircuit ioi) {
    /** The single-head circuits without the IOI circuit. */
    public KnownCircuits(KnownHead firstToken, KnownHead previousToken, KnownHead duplicateToken,
            KnownHead currentToken, KnownHead induction) {
        this(firstToken, previousToken, duplicateToken, currentToken, induction, null);
    }

    public static final String FILE = "known_circuits.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

    /** Role name (as the head detectors name their patterns, the first-token head as {@code bos}) to head. */
    public Map<String, KnownHead> byRole() {
        Map<String, KnownHead> m = new LinkedHashMap<>();
        m.put("previous-token", previousToken);
        m.put("duplicate-token", duplicateToken);
        m.put("induction", induction);
        m.put("bos", firstToken);
        m.put("current-token", currentToken);
        return m;
    }

    /** One line for a banner: {@code previous-token head 0.1, duplicate-token head 0.2, ...}. */
    public String describe() {
        return "previous-token head " + previousToken + ", induction head " + induction + " (its keys read "
                + previousToken + "), duplicate-token head " + duplicateToken + ", first-token head " + firstToken
                + ", current-token head " + currentToken + (ioi == null ? "" : "; IOI: S-inhibition head "
                + ioi.sInhibition() + " (its keys read " + ioi.duplicateToken() + "), name mover " + ioi.nameMover()
                + " (its query reads " + ioi.sInhibition() + ")");
    }

    public void write(Path dir) throws IOException {
        Files.writeString(dir.resolve(FILE), GSON.toJson(this) + "\n", StandardCharsets.UTF_8);
    }

    /** Reads {@value #FILE} from a model folder; null when the folder has none (any other model). */
    public static KnownCircuits read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            KnownCircuits c = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), KnownCircuits.class);
            if (c == null || c.firstToken == null || c.previousToken == null || c.duplicateToken == null
                    || c.currentToken == null || c.induction == null) {
                throw new IOException(file + ": incomplete; delete the folder to have it written again");
            }
            return c;
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new IOException(file + ": not a circuits file (" + e.getMessage() + ")", e);
        }
    }
}
