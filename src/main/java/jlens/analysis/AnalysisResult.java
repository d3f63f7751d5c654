package jlens.analysis;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A result that can be saved: as a table (CSV with a header row, one row per bin, layer, token...) and as JSON of
 * the whole record, its parameters included. Rows are produced on demand so that a million-cell matrix is
 * written without first being boxed into a list.
 */
public interface AnalysisResult {
    /** Header of the table, such as {@code layer,q,k,v}. */
    List<String> columns();

    int rowCount();

    /** Row {@code i}: numbers (Integer, Long, Float, Double) and strings, as many as {@link #columns()}. */
    Object[] row(int i);

    /**
     * What a saved copy leaves undefined, in one line: values that were NaN or infinite and the numbers that could not
     * be computed from them (written as nan); empty when everything was finite.
     */
    default String undefinedNote() {
        return "";
    }

    /** The main array, as {@code save FILE.npy} writes it; null when the result has none. */
    default NdData array() {
        return null;
    }

    /** The table as CSV (RFC 4180 quoting, {@code \n} line ends, {@code nan}/{@code inf}/{@code -inf} for non-finite numbers). */
    default String toCsv() {
        StringBuilder out = new StringBuilder();
        writeCsv(out);
        return out.toString();
    }

    default void writeCsv(Appendable out) {
        try {
            Csv.write(this, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether {@link #toJson()} is a file format of its own (EAP-IG's graph file), which {@code save X.json} writes as it
     * is rather than inside jlens's envelope of the command and its parameters.
     */
    default boolean jsonIsAFormat() {
        return false;
    }

    /**
     * The whole record as pretty-printed JSON. Non-finite numbers (the -inf of masked attention scores) are written
     * as {@code NaN}/{@code Infinity}/{@code -Infinity}, which Python's {@code json} module reads.
     */
    default String toJson() {
        return new GsonBuilder().serializeSpecialFloatingPointValues().setPrettyPrinting().create().toJson(this);
    }
}
