package jlens;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** The fixture's float64 reference for the logit lens, direct logit attribution and activation patching. */
public final class CircuitsReference {
    private static JsonObject root;

    private CircuitsReference() {}

    public static synchronized JsonObject root() {
        if (root == null) {
            try {
                root = JsonParser.parseString(Files.readString(Fixture.dir().resolve("reference-circuits.json"))).getAsJsonObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    public static JsonObject lens() {
        return root().getAsJsonObject("lens");
    }

    public static JsonObject dla() {
        return root().getAsJsonObject("dla");
    }

    public static JsonObject patching() {
        return root().getAsJsonObject("patching");
    }

    public static long[] ids(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    public static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    /** Asserts |expected - actual| within {@code relative * max(1, |expected|)}, naming the value. */
    public static void close(double expected, double actual, double relative, String what) {
        double tol = relative * Math.max(1.0, Math.abs(expected));
        if (!(Math.abs(expected - actual) <= tol)) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual + " (tolerance " + tol + ")");
        }
    }
}
