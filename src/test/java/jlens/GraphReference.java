package jlens;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import jlens.analysis.Metric;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchSpec;

/** The fixture's float64 reference for path patching and edge attribution ({@code reference-graph.json}). */
public final class GraphReference {
    private static JsonObject root;

    private GraphReference() {}

    public static synchronized JsonObject root() {
        if (root == null) {
            try {
                root = JsonParser.parseString(Files.readString(Fixture.dir().resolve("reference-graph.json"))).getAsJsonObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    public static long[] clean() {
        return CircuitsReference.ids(root().getAsJsonArray("clean_ids"));
    }

    public static long[] corrupt() {
        return CircuitsReference.ids(root().getAsJsonArray("corrupt_ids"));
    }

    public static Metric metric() {
        return Metric.logitDiff(root().get("answer").getAsLong(), root().get("wrong").getAsLong(), -1);
    }

    /** The clean text into its corrupted one, measured by the reference's metric. */
    public static PatchSpec pair() {
        return new PatchSpec(clean(), corrupt(), PatchKind.HEADS, metric());
    }

    public static double number(String key) {
        return root().get(key).getAsDouble();
    }

    /** A [L][H] grid. */
    public static double[][] grid(JsonArray a) {
        double[][] out = new double[a.size()][];
        for (int l = 0; l < out.length; l++) {
            JsonArray row = a.get(l).getAsJsonArray();
            out[l] = new double[row.size()];
            for (int h = 0; h < row.size(); h++) {
                out[l][h] = row.get(h).getAsDouble();
            }
        }
        return out;
    }
}
