package jlens.repl;

import com.google.gson.GsonBuilder;
import java.util.Map;
import java.util.function.Supplier;
import jlens.analysis.AnalysisResult;
import jlens.analysis.NdData;

/**
 * What the last command computed, in the shapes {@code save} writes: a table (CSV with a header row), a main
 * array (NPY), and the whole result with its parameters (JSON).
 *
 * @param kind       the command family ("var", "qkt-all", "logprobs", ...)
 * @param line       the command line that made it
 * @param parameters what it ran with (layer, head, position, first position, bins, ...)
 * @param value      the analysis record itself, for Java users ({@code session.lastResult().value()})
 * @param csv        the table as CSV, or null when the result has none
 * @param json       the record as JSON, or null
 * @param array      the main array for NPY, or null
 */
public record Result(String kind, String line, Map<String, Object> parameters, Object value, Supplier<String> csv,
        Supplier<String> json, NdData array) {

    /** A result from the analysis package: its own CSV columns, JSON and main array. */
    public static Result of(String kind, String line, Map<String, Object> parameters, AnalysisResult r) {
        return new Result(kind, line, parameters, r, r::toCsv, r::toJson, r.array());
    }

    /** A result with a CSV text of its own and JSON of {@code value} by its record components. */
    public static Result of(String kind, String line, Map<String, Object> parameters, Object value, Supplier<String> csv,
            NdData array) {
        Supplier<String> json = () -> new GsonBuilder().serializeSpecialFloatingPointValues().setPrettyPrinting().create()
                .toJson(value);
        return new Result(kind, line, parameters, value, csv, json, array);
    }
}
