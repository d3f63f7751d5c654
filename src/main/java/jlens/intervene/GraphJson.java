package jlens.intervene;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * EAP-IG's graph file ({@code Graph.to_json} / {@code Graph.from_json}): {@code cfg} (n_layers, n_heads, d_model,
 * parallel_attn_mlp), {@code nodes} {name: {in_graph}}, {@code edges} {name: {score, in_graph}}, so EAP-IG's Python
 * reads jlens's graphs and jlens reads theirs. jlens adds a {@code jlens} object (how the scores were made and the
 * two metrics), which {@code from_json} ignores.
 */
public final class GraphJson {
    private GraphJson() {}

    /** What a file read holds: scores and membership, in the graph's order, and jlens's note if present. */
    public record Read(EdgeGraph graph, double[] scores, boolean[] edges, boolean[] nodes, String method, double mClean,
                       double mCorrupt) {}

    /** jlens's note: the method and the two metrics. */
    static JsonObject about(String method, double mClean, double mCorrupt, int prompts) {
        JsonObject o = new JsonObject();
        o.addProperty("method", method);
        o.addProperty("m_clean", mClean);
        o.addProperty("m_corrupt", mCorrupt);
        o.addProperty("prompts", prompts);
        return o;
    }

    /** The file's text. Non-finite scores are written as Python's json writes them ({@code NaN}). */
    public static String write(EdgeGraph graph, double[] scores, boolean[] edges, boolean[] nodes, JsonObject about) {
        StringWriter text = new StringWriter();
        try (JsonWriter w = new JsonWriter(text)) {
            w.setLenient(true); // NaN and Infinity, as Python's json module writes and reads them
            w.beginObject();
            w.name("cfg").beginObject();
            w.name("n_layers").value(graph.nLayer());
            w.name("n_heads").value(graph.nHead());
            w.name("parallel_attn_mlp").value(false);
            w.name("d_model").value(graph.dModel());
            w.endObject();
            w.name("nodes").beginObject();
            for (int i = 0; i < graph.nodes().size(); i++) {
                boolean in = i == graph.logitsNode() || nodes[i]; // EAP-IG's logits node is always in the graph
                w.name(graph.nodes().get(i)).beginObject().name("in_graph").value(in).endObject();
            }
            w.endObject();
            w.name("edges").beginObject();
            for (int i = 0; i < graph.edges().size(); i++) {
                w.name(graph.edges().get(i).name()).beginObject().name("score").value(scores[i]).name("in_graph").value(edges[i])
                        .endObject();
            }
            w.endObject();
            if (about != null) {
                w.name("jlens").jsonValue(about.toString());
            }
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /**
     * Reads a graph file for a model of {@code expected}'s shape.
     *
     * @throws IllegalArgumentException naming what does not fit (another model's graph, an unknown edge, a missing key)
     */
    public static Read read(String text, EdgeGraph expected) {
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("a graph file is a JSON object with cfg, nodes and edges");
            }
            root = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("not JSON: " + oneLine(e.getMessage()));
        }
        for (String key : new String[] {"cfg", "nodes", "edges"}) {
            if (!root.has(key) || !root.get(key).isJsonObject()) {
                throw new IllegalArgumentException("a graph file needs \"" + key + "\" (EAP-IG's Graph.to_json layout)");
            }
        }
        JsonObject cfg = root.getAsJsonObject("cfg");
        int layers = integer(cfg, "n_layers");
        int heads = integer(cfg, "n_heads");
        if (cfg.has("parallel_attn_mlp") && cfg.get("parallel_attn_mlp").isJsonPrimitive()
                && cfg.get("parallel_attn_mlp").getAsBoolean()) {
            throw new IllegalArgumentException("this graph is of a model with parallel attention and MLP; GPT-2's are sequential");
        }
        if (layers != expected.nLayer() || heads != expected.nHead()
                || (cfg.has("d_model") && integer(cfg, "d_model") != expected.dModel())) {
            throw new IllegalArgumentException("this graph is of a model with " + layers + " layers and " + heads
                    + " heads; the model has " + expected.nLayer() + " and " + expected.nHead() + "; load that model first");
        }
        double[] scores = new double[expected.edges().size()];
        boolean[] edges = new boolean[scores.length];
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("edges").entrySet()) {
            int i = expected.indexOf(e.getKey());
            if (i < 0) {
                throw new IllegalArgumentException("no edge " + quote(e.getKey()) + " in this model's graph");
            }
            if (!e.getValue().isJsonObject()) {
                throw new IllegalArgumentException("edge " + quote(e.getKey()) + " is not {\"score\": ..., \"in_graph\": ...}");
            }
            JsonObject o = e.getValue().getAsJsonObject();
            scores[i] = o.has("score") && !o.get("score").isJsonNull() ? number(o, "score", e.getKey()) : Double.NaN;
            edges[i] = o.has("in_graph") && o.get("in_graph").isJsonPrimitive() && o.get("in_graph").getAsBoolean();
        }
        boolean[] nodes = new boolean[expected.nodes().size()];
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("nodes").entrySet()) {
            int i = expected.nodeIndex(e.getKey());
            if (i < 0) {
                throw new IllegalArgumentException("no node " + quote(e.getKey()) + " in this model's graph");
            }
            JsonElement v = e.getValue(); // {"in_graph": b}, or an older file's bare boolean
            JsonElement in = v.isJsonObject() ? v.getAsJsonObject().get("in_graph") : v;
            nodes[i] = in != null && in.isJsonPrimitive() && in.getAsBoolean();
        }
        String method = null;
        double mClean = Double.NaN;
        double mCorrupt = Double.NaN;
        if (root.has("jlens") && root.get("jlens").isJsonObject()) {
            JsonObject about = root.getAsJsonObject("jlens");
            method = about.has("method") && about.get("method").isJsonPrimitive() ? about.get("method").getAsString() : null;
            mClean = about.has("m_clean") ? number(about, "m_clean", "jlens") : Double.NaN;
            mCorrupt = about.has("m_corrupt") ? number(about, "m_corrupt", "jlens") : Double.NaN;
        }
        return new Read(expected, scores, edges, nodes, method, mClean, mCorrupt);
    }

    private static int integer(JsonObject o, String key) {
        try {
            return o.get(key).getAsInt();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cfg needs an integer \"" + key + "\"");
        }
    }

    private static double number(JsonObject o, String key, String where) {
        try {
            return o.get(key).getAsDouble();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(quote(where) + " has a \"" + key + "\" that is not a number");
        }
    }

    /** A name from the file, quoted and cut, for a one-line message (the REPL escapes what it prints). */
    private static String quote(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return "\"" + cut + "\"";
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
