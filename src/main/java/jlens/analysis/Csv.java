package jlens.analysis;

import java.io.IOException;
import java.util.List;

/** Writes an {@link AnalysisResult}'s table as CSV. */
final class Csv {
    private Csv() {}

    static void write(AnalysisResult result, Appendable out) throws IOException {
        List<String> columns = result.columns();
        line(columns.toArray(), out);
        for (int i = 0; i < result.rowCount(); i++) {
            Object[] row = result.row(i);
            if (row.length != columns.size()) {
                throw new IllegalStateException("row " + i + " has " + row.length + " cells for " + columns.size() + " columns");
            }
            line(row, out);
        }
    }

    private static void line(Object[] cells, Appendable out) throws IOException {
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                out.append(',');
            }
            out.append(cell(cells[c]));
        }
        out.append('\n');
    }

    static String cell(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d)) {
                return "nan";
            }
            if (Double.isInfinite(d)) {
                return d > 0 ? "inf" : "-inf";
            }
            return value.toString(); // shortest round-trip form of a float or a double
        }
        String s = value.toString();
        // Tokens hold commas, quotes, spaces and newlines: quote those (and leading/trailing spaces, which some
        // readers would trim) and double the quotes, as RFC 4180 says.
        boolean quote = s.isEmpty() || s.chars().anyMatch(ch -> ch == ',' || ch == '"' || ch == '\n' || ch == '\r')
                || Character.isWhitespace(s.charAt(0)) || Character.isWhitespace(s.charAt(s.length() - 1));
        return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
