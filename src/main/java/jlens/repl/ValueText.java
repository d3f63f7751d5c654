package jlens.repl;

import ai.djl.ndarray.NDArray;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jlens.chart.TerminalText;

/**
 * Any value as text a person can read: the shape and first values of an array or NDArray, a record's
 * components one per line, a list's size and first elements. JShell shows every value through this (the REPL's
 * embedded JShell and {@code ./jlens jshell}, see {@link JshellValues}), so a result record prints as
 * <pre>
 * LogProbs.AtPosition
 *   position  28
 *   values    double[50257] {-19.37, -17.86, -20.63, -20.66, -19.72, -19.66, ... 50251 more}
 * </pre>
 * and not as {@code AtPosition[position=28, values=[D@6f27a]}. It works from the value's kind alone (records,
 * arrays, collections), so a new result type needs nothing to print well. A record or class with a
 * {@code toString} of its own keeps it.
 */
public final class ValueText {
    /** Values shown of a vector (the rest counted). */
    private static final int VALUES = 6;
    /** Values shown per row of a matrix, and rows shown. */
    private static final int ROW_VALUES = 4;
    private static final int ROWS = 3;
    /** Elements shown of a list. */
    private static final int ELEMENTS = 3;
    /** JShell cuts a shown value at 1000 characters; stay under it. */
    private static final int BUDGET = 950;

    private ValueText() {}

    /** {@code value} as text lines no wider than the terminal (see {@link #of(Object, int)}). */
    public static String of(Object value) {
        return of(value, defaultWidth());
    }

    /** {@code value} as text whose lines fit {@code width} columns. */
    public static String of(Object value, int width) {
        int w = Math.max(40, Math.min(width, 200));
        String text = String.join("\n", lines(value, w, 0));
        return text.length() <= BUDGET ? text : text.substring(0, BUDGET - 4) + " ...";
    }

    /**
     * Whether this formatter says more than the value's own {@code toString} (as JShell prints it): arrays (their
     * shape and first values, not all of them), NDArrays, records and classes without a {@code toString} of their
     * own, collections and maps. Strings, numbers, enums and anything with its own {@code toString} are left as
     * they are.
     */
    public static boolean improves(Object value) {
        if (value == null || value instanceof CharSequence || value instanceof Number || value instanceof Boolean
                || value instanceof Character || value instanceof Enum<?>) {
            return false;
        }
        return value.getClass().isArray() || value instanceof NDArray || value instanceof Collection<?>
                || value instanceof Map<?, ?> || isPlainRecord(value)
                || (!value.getClass().isRecord() && !hasOwnToString(value.getClass()));
    }

    /** The width values are laid out for: the current session's text width, else $COLUMNS, else 80. */
    static int defaultWidth() {
        Session s = Jsh.current();
        if (s != null) {
            int w = s.textWidth();
            if (w > 20 && w < 1000) {
                return w;
            }
        }
        return Jsh.columns(System.getenv("COLUMNS"));
    }

    // ---- records ----

    /** A record whose text is the compiler's ({@code Name[a=..., b=[D@6f27a]}), not one its author wrote. */
    private static boolean isPlainRecord(Object v) {
        if (v == null || !v.getClass().isRecord()) {
            return false;
        }
        StringBuilder generated = new StringBuilder(v.getClass().getSimpleName()).append('[');
        RecordComponent[] parts = v.getClass().getRecordComponents();
        for (int i = 0; i < parts.length; i++) {
            generated.append(i == 0 ? "" : ", ").append(parts[i].getName()).append('=')
                    .append(String.valueOf(component(v, parts[i])));
        }
        try {
            return v.toString().equals(generated.append(']').toString());
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** Whether a class (not a record) has a toString of its own rather than Object's type and hash. */
    private static boolean hasOwnToString(Class<?> c) {
        try {
            return c.getMethod("toString").getDeclaringClass() != Object.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** Records and lists of them nest this deep in lines of their own; deeper, they go on one line. */
    private static final int DEPTH = 2;
    /** A matrix this small is drawn as a table (a layer x head grid), larger ones as their first values. */
    private static final int TABLE = 16;

    /**
     * {@code v} as lines no wider than {@code width}: a record as its name, then one line per component (name, then
     * its value, itself in lines when it is a record, a list of records or a small matrix); a small matrix as a
     * table; a list of records one element per line; anything else on one line.
     */
    private static List<String> lines(Object v, int width, int depth) {
        List<String> out = new ArrayList<>();
        if (depth < DEPTH && isPlainRecord(v)) {
            out.add(name(v.getClass()));
            RecordComponent[] parts = v.getClass().getRecordComponents();
            int nameWidth = 0;
            for (RecordComponent p : parts) {
                nameWidth = Math.max(nameWidth, p.getName().length());
            }
            for (RecordComponent p : parts) {
                String lead = "  " + p.getName() + " ".repeat(nameWidth - p.getName().length() + 2);
                List<String> value = lines(component(v, p), width - lead.length(), depth + 1);
                out.add(lead + value.get(0));
                value.subList(1, value.size()).forEach(l -> out.add(" ".repeat(lead.length()) + l));
            }
            return out;
        }
        if (depth < DEPTH && v instanceof Collection<?> c && !c.isEmpty() && c.stream().allMatch(ValueText::isStructured)) {
            out.add((c instanceof List<?> ? "List" : "Collection") + " of " + c.size());
            int shown = 0;
            for (Object e : c) {
                if (shown == 2 * ELEMENTS) {
                    out.add("  ... " + (c.size() - shown) + " more");
                    break;
                }
                out.add("  " + inline(e, width - 2));
                shown++;
            }
            return out;
        }
        if (isSmallMatrix(v)) {
            List<String> table = table(v);
            if (table.stream().allMatch(l -> l.length() <= width)) {
                return table;
            }
        }
        out.add(inline(v, width));
        return out;
    }

    /** A record, an array or a collection: what prints better one per line than run together. */
    private static boolean isStructured(Object e) {
        return e != null && (isPlainRecord(e) || e.getClass().isArray() || e instanceof Collection<?> || e instanceof Map<?, ?>);
    }

    private static boolean isSmallMatrix(Object v) {
        if (!(v instanceof double[][] || v instanceof float[][] || v instanceof int[][] || v instanceof long[][])) {
            return false;
        }
        int rows = Array.getLength(v);
        if (rows == 0 || rows > TABLE) {
            return false;
        }
        for (int r = 0; r < rows; r++) {
            Object row = Array.get(v, r);
            if (row == null || Array.getLength(row) > TABLE) {
                return false;
            }
        }
        return true;
    }

    /** {@code double[2][3]}, then one line per row, the columns aligned; rows numbered. */
    private static List<String> table(Object v) {
        int rows = Array.getLength(v);
        String[][] cells = new String[rows][];
        int cellWidth = 1;
        for (int r = 0; r < rows; r++) {
            Object row = Array.get(v, r);
            cells[r] = new String[Array.getLength(row)];
            for (int c = 0; c < cells[r].length; c++) {
                cells[r][c] = element(Array.get(row, c));
                cellWidth = Math.max(cellWidth, cells[r][c].length());
            }
        }
        List<String> out = new ArrayList<>();
        out.add(array(v).substring(0, array(v).indexOf(' ')));
        int label = Integer.toString(rows - 1).length();
        for (int r = 0; r < rows; r++) {
            StringBuilder line = new StringBuilder("  ").append(" ".repeat(label - Integer.toString(r).length())).append(r).append(" |");
            for (String cell : cells[r]) {
                line.append(' ').append(" ".repeat(cellWidth - cell.length())).append(cell);
            }
            out.add(line.toString());
        }
        return out;
    }

    private static Object component(Object record, RecordComponent p) {
        try {
            Method accessor = p.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(record);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new Unreadable(e);
        }
    }

    private record Unreadable(Exception e) {}

    /** The name a person writes: {@code LogProbs.AtPosition} for a nested type, no package. */
    private static String name(Class<?> c) {
        String simple = c.getSimpleName();
        Class<?> outer = c.getEnclosingClass();
        // JShell wraps what is typed in classes named $JShell$N: not a name anyone wrote
        return outer == null || outer.getSimpleName().startsWith("$JShell$") ? simple : name(outer) + "." + simple;
    }

    // ---- one line ----

    /** {@code value} on one line of at most {@code room} characters. */
    private static String inline(Object v, int room) {
        return fit(inlineWhole(v, Math.max(room, 20)), Math.max(room, 20));
    }

    private static String inlineWhole(Object v, int room) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Unreadable u) {
            return "(cannot read: " + Errors.firstLine(String.valueOf(u.e().getMessage())) + ")";
        }
        if (v instanceof CharSequence s) {
            return '"' + TerminalText.escape(s.toString()).replace("\"", "\\\"") + '"';
        }
        if (v instanceof Double d) {
            return number(d);
        }
        if (v instanceof Float f) {
            return number(f);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        if (v instanceof Character c) {
            return "'" + TerminalText.escape(String.valueOf(c)) + "'";
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v.getClass().isArray()) {
            return array(v);
        }
        if (v instanceof NDArray a) {
            return ndarray(a);
        }
        if (v instanceof Collection<?> c) {
            return collection(c, room);
        }
        if (v instanceof Map<?, ?> m) {
            return map(m, room);
        }
        if (isPlainRecord(v)) {
            StringBuilder out = new StringBuilder(name(v.getClass())).append('[');
            RecordComponent[] parts = v.getClass().getRecordComponents();
            for (int i = 0; i < parts.length && out.length() < room; i++) {
                out.append(i == 0 ? "" : ", ").append(parts[i].getName()).append('=')
                        .append(inlineWhole(component(v, parts[i]), room / 2));
            }
            return out.append(']').toString();
        }
        if (hasOwnToString(v.getClass())) {
            return TerminalText.escape(v.toString().replace('\n', ' '));
        }
        return opaque(v);
    }

    /** An object with no text form of its own: its type, and what it can be asked. */
    private static String opaque(Object v) {
        List<String> methods = new ArrayList<>();
        for (Method m : v.getClass().getMethods()) {
            if (m.getDeclaringClass() != Object.class && !methods.contains(m.getName() + "()")
                    && java.lang.reflect.Modifier.isPublic(m.getDeclaringClass().getModifiers())) {
                methods.add(m.getName() + "()");
            }
        }
        java.util.Collections.sort(methods);
        return name(v.getClass()) + " (no text form; ask it: " + String.join(", ", methods.subList(0, Math.min(8, methods.size())))
                + (methods.size() > 8 ? ", ..." : "") + ")";
    }

    private static String fit(String s, int room) {
        return s.length() <= room ? s : s.substring(0, Math.max(0, room - 4)) + " ...";
    }

    // ---- arrays ----

    /** {@code double[3][4] {{1, 2, 3, 4}, ...}}: the element type, every dimension, the first values. */
    private static String array(Object a) {
        StringBuilder type = new StringBuilder();
        Class<?> c = a.getClass();
        Object probe = a;
        while (c.isArray()) {
            int n = probe == null ? -1 : Array.getLength(probe);
            type.append('[').append(n < 0 ? "" : Integer.toString(n)).append(']');
            probe = n > 0 ? Array.get(probe, 0) : null;
            c = c.getComponentType();
        }
        String element = c.isPrimitive() ? c.getName() : name(c);
        return element + type + " " + values(a, true);
    }

    /** The first values, in braces; a matrix as its first rows. */
    private static String values(Object a, boolean top) {
        int n = Array.getLength(a);
        boolean nested = a.getClass().getComponentType().isArray();
        int shown = Math.min(n, nested ? ROWS : top ? VALUES : ROW_VALUES);
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < shown; i++) {
            Object e = Array.get(a, i);
            out.append(i == 0 ? "" : ", ").append(nested ? (e == null ? "null" : values(e, false)) : element(e));
        }
        if (n > shown) {
            out.append(", ... ").append(n - shown).append(nested ? " more rows" : " more");
        }
        return out.append('}').toString();
    }

    private static String element(Object e) {
        if (e instanceof Double d) {
            return number(d);
        }
        if (e instanceof Float f) {
            return number(f);
        }
        return inlineWhole(e, 40);
    }

    /** Four significant digits, no trailing zeros: 0.1195, -10.82, 3, 1.5e-05. */
    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.toString(d);
        }
        if (d == 0) {
            return "0";
        }
        double a = Math.abs(d);
        String s = a >= 1e-4 && a < 1e7 ? String.format(Locale.ROOT, "%.4g", d) : String.format(Locale.ROOT, "%.3e", d);
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        String exponent = e < 0 ? "" : s.substring(e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return mantissa + exponent;
    }

    // ---- NDArrays ----

    /** {@code NDArray float32 (1, 30, 96) cpu() {0.12, ...}}; a freed array says so. */
    private static String ndarray(NDArray a) {
        String head;
        try {
            if (a.isReleased()) {
                throw new IllegalStateException("released");
            }
            head = "NDArray " + a.getDataType().toString().toLowerCase(Locale.ROOT) + " " + a.getShape() + " " + a.getDevice();
        } catch (RuntimeException e) {
            return "NDArray (released: an array of an earlier run; ws.activation(name, manager) gives a copy to keep)";
        }
        long size = a.getShape().size();
        int shown = (int) Math.min(size, VALUES);
        if (shown == 0 || !(a.getDataType().isFloating() || a.getDataType().isInteger())) {
            return head;
        }
        NDArray flat = null;
        NDArray first = null;
        NDArray wide = null;
        try {
            flat = a.reshape(size);
            first = flat.get("0:" + shown);
            wide = first.toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
            double[] values = wide.toDoubleArray();
            StringBuilder out = new StringBuilder(head).append(" {");
            for (int i = 0; i < values.length; i++) {
                out.append(i == 0 ? "" : ", ").append(number(values[i]));
            }
            if (size > shown) {
                out.append(", ... ").append(size - shown).append(" more");
            }
            return out.append('}').toString();
        } catch (RuntimeException e) {
            return head;
        } finally {
            // the slices live in the array's own manager: freed here, not left to its lifetime
            for (NDArray slice : new NDArray[] {wide, first}) {
                if (slice != null && slice != a) {
                    slice.close();
                }
            }
            if (flat != null && flat != a) {
                flat.close();
            }
        }
    }

    // ---- collections ----

    private static String collection(Collection<?> c, int room) {
        String kind = c instanceof List<?> ? "List" : c instanceof java.util.Set<?> ? "Set" : "Collection";
        StringBuilder out = new StringBuilder(kind).append(" of ").append(c.size()).append(" [");
        Iterator<?> it = c.iterator();
        int shown = 0;
        int each = Math.max(20, (room - out.length()) / ELEMENTS);
        while (it.hasNext() && shown < ELEMENTS) {
            out.append(shown == 0 ? "" : ", ").append(fit(inlineWhole(it.next(), each), each));
            shown++;
        }
        if (c.size() > shown) {
            out.append(", ... ").append(c.size() - shown).append(" more");
        }
        return out.append(']').toString();
    }

    private static String map(Map<?, ?> m, int room) {
        StringBuilder out = new StringBuilder("Map of ").append(m.size()).append(" {");
        int shown = 0;
        int each = Math.max(20, (room - out.length()) / ELEMENTS);
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (shown == ELEMENTS) {
                break;
            }
            out.append(shown == 0 ? "" : ", ").append(fit(inlineWhole(e.getKey(), each / 2) + "=" + inlineWhole(e.getValue(), each), each));
            shown++;
        }
        if (m.size() > shown) {
            out.append(", ... ").append(m.size() - shown).append(" more");
        }
        return out.append('}').toString();
    }
}
