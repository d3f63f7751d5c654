package jlens.repl;

import jlens.analysis.AnalysisResult;
import jlens.analysis.Npy;
import jlens.analysis.NdData;
import jlens.chart.Chart;
import jlens.chart.CircuitDiagram;
import jlens.figure.Figures;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** {@code save FILE [HOOK_NAME] [--force]}: the last result, chart or a cached activation, by file extension. */
final class SaveCommand {
    private SaveCommand() {}

    static Command command() {
        return new Command("save", "save FILE [HOOK_NAME] [--force]",
                "write the last result (.csv .npy .json), chart (.txt .ansi .png .svg) or a cached activation (.npy)",
                """
                Writes to FILE, in the format its extension names:
                  .csv   the last result's table with a header row (var: layer,q,k,v; qkt all: layer,mean,std;
                         ablate: layer,logprob,clean_logprob; logprobs: token_id,token,logprob;
                         hist LAYER: bin_left,bin_right,q,k,v)
                  .npy   the last result's main array (NumPy format); with HOOK_NAME, that cached activation
                         with the batch dimension dropped (blocks.3.attn.hook_qkv is [T, 3*d_model])
                  .json  the whole last result with its parameters
                  .txt   the last chart or table as drawn, plain; .ansi with its colours
                  .png   the last chart as a figure for a paper or a slide: same data, axes, labels,
                         legend and colour bar, on white (1800 x 1120 pixels); .svg the same as vectors
                  .dot   the last circuit drawing as Graphviz DOT (dot -Tsvg FILE.dot -o FILE.svg)
                The file is written to a temporary file and renamed, and an existing file is only replaced
                with --force.
                Examples:
                  text "The cat sat on the mat. The cat sat on the mat."
                  hook layer all
                  run
                  var
                  save variances.csv
                  save qkv1.npy blocks.1.attn.hook_qkv
                  hist 1
                  save hist.txt
                  save hist.txt --force
                  save hist.svg""",
                (s, before) -> before.isEmpty() ? List.of(Completions.FILES)
                        : before.size() == 1 ? HookCommands.concat(s.workspace().hasRun() ? s.workspace().cache().names() : List.of(), List.of("--force"))
                        : List.of("--force"),
                SaveCommand::save);
    }

    private static void save(Session s, Args a) {
        boolean force = a.flag("--force");
        String file = a.next("a file name");
        String hook = a.hasNext() ? a.next("a hook name") : null;
        a.end();
        Path path = path(file);
        if (java.nio.file.Files.isDirectory(path)) {
            throw new UserError(SaveTarget.quote(file) + " is a folder; give a file name such as " + SaveTarget.quote(path.resolve("result.csv")));
        }
        String ext = extension(file);
        if (hook != null && !ext.equals("npy")) {
            throw new UserError("a hook activation is saved as .npy; use a name like " + stem(file) + ".npy");
        }
        switch (ext) {
            case "npy" -> {
                NdData data = hook != null ? activation(s, hook) : need(s, "an array", s.lastResult() == null ? null : s.lastResult().array());
                // (an array is the main array of the last result)
                SaveTarget.write(path, force, out -> Npy.write(out, data));
                s.println("saved " + SaveTarget.quote(file) + " " + Format.shape(data.shape()) + (hook != null ? " from " + hook : ""));
                if (hook == null) {
                    sayUndefined(s, false);
                }
            }
            case "csv" -> {
                Result r = need(s, "a table", s.lastResult() == null || s.lastResult().csv() == null ? null : s.lastResult());
                String text = r.csv().get();
                SaveTarget.write(path, force, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
                s.println("saved " + SaveTarget.quote(file) + " (" + (text.lines().count() - 1) + " rows: " + text.lines().findFirst().orElse("") + ")");
                sayUndefined(s, false);
            }
            case "json" -> {
                Result r = need(s, "a result", s.lastResult());
                boolean asIs = r.value() instanceof AnalysisResult ar && ar.jsonIsAFormat();
                String text = asIs ? ((AnalysisResult) r.value()).toJson() + "\n" : json(r);
                SaveTarget.write(path, force, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
                s.println("saved " + SaveTarget.quote(file) + (asIs ? " (EAP-IG's graph file)" : " (" + r.kind() + " with its parameters)"));
                sayUndefined(s, true);
            }
            case "txt", "ansi" -> {
                Drawing d = s.lastDrawing();
                if (d == null) {
                    throw new UserError("nothing drawn yet; draw a chart (hist, var, qkt, pattern, ablate) before saving " + file);
                }
                String text = ext.equals("txt") ? d.plain() : d.ansi();
                SaveTarget.write(path, force, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
                s.println("saved " + SaveTarget.quote(file) + " (" + text.lines().count() + " lines)");
            }
            case "png", "svg" -> {
                Chart chart = s.lastChart();
                if (chart == null) {
                    throw new UserError("nothing drawn yet; draw a chart (hist, var, qkt, logprobs, pattern, ablate) before saving " + file);
                }
                Figures.Format format = ext.equals("png") ? Figures.Format.PNG : Figures.Format.SVG;
                SaveTarget.write(path, force, out -> Figures.write(chart, format, Figures.WIDTH, Figures.HEIGHT, out));
                s.println("saved " + SaveTarget.quote(file) + " (the last chart as a figure" + (ext.equals("png") ? ", "
                        + Figures.WIDTH * Figures.PNG_SCALE + " x " + Figures.HEIGHT * Figures.PNG_SCALE + " pixels)" : ")"));
            }
            case "dot" -> {
                if (!(s.lastChart() instanceof CircuitDiagram circuit)) {
                    throw new UserError("a .dot file holds a circuit; draw one first, then save " + file);
                }
                String text = circuit.toDot();
                SaveTarget.write(path, force, out -> writeText(out, text));
                s.println("saved " + SaveTarget.quote(file) + " (Graphviz DOT, " + circuit.edges().size()
                        + " edges; dot -Tsvg draws it)");
            }
            default -> throw new UserError("unknown format '" + (ext.isEmpty() ? file : "." + ext)
                    + "'; end the file name with .csv, .npy, .json, .txt, .ansi, .png, .svg or .dot");
        }
    }

    /** Says, after a save, which numbers of the result were not finite and are written as nan (not invented). */
    private static void sayUndefined(Session s, boolean json) {
        if (s.lastResult() != null && s.lastResult().value() instanceof AnalysisResult r && !r.undefinedNote().isEmpty()) {
            s.println("non-finite values: " + r.undefinedNote() + (json ? "" : " (the .json keeps the counts)"));
        }
    }

    private static <T> T need(Session s, String what, T value) {
        if (value == null) {
            Result r = s.lastResult();
            throw new UserError(r == null ? "no result yet to save; run an analysis first (var, qkt, hist, logprobs, ablate)"
                    : "the last result (" + r.kind() + ") has no " + what.replaceFirst("^an? ", "") + "; choose another format");
        }
        return value;
    }

    /** A cached activation as float32 with the batch dimension dropped. */
    static NdData activation(Session s, String spec) {
        String name;
        try {
            name = s.workspace().model().hooks().resolve(spec);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        NDArray a = s.workspace().activation(name);
        long[] shape = a.getShape().getShape();
        long[] dropped = shape.length > 1 && shape[0] == 1 ? Arrays.copyOfRange(shape, 1, shape.length) : shape;
        float[] data = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
        return NdData.of(dropped, data);
    }

    /** The command, its parameters, and the analysis record as the analysis package writes it. */
    static String json(Result r) {
        JsonObject o = new JsonObject();
        o.addProperty("kind", r.kind());
        o.addProperty("command", r.line());
        Gson gson = new GsonBuilder().serializeSpecialFloatingPointValues().setPrettyPrinting().create();
        o.add("parameters", gson.toJsonTree(r.parameters()));
        if (r.json() != null) {
            o.add("result", JsonParser.parseString(r.json().get()));
        } else if (r.array() != null) {
            JsonObject arr = new JsonObject();
            arr.add("shape", gson.toJsonTree(r.array().shape()));
            arr.add("data", gson.toJsonTree(r.array().f32() != null ? r.array().f32()
                    : r.array().f64() != null ? r.array().f64() : r.array().i64()));
            o.add("array", arr);
        }
        return gson.toJson(o) + "\n";
    }

    static Path path(String file) {
        try {
            return Path.of(file);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UserError("'" + file + "' is not a valid file name (" + e.getReason() + ")");
        }
    }

    static String extension(String file) {
        Path p = path(file);
        String name = p.getFileName() == null ? file : p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static String stem(String file) {
        int dot = file.lastIndexOf('.');
        return dot <= 0 ? file : file.substring(0, dot);
    }

    static void writeText(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }
}
