package jlens.repl;

import java.util.ArrayList;
import java.util.List;
import jlens.chart.TerminalText;

/** Plain aligned columns: numbers right-aligned, words left-aligned, measured in display columns. */
final class TextTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    TextTable(String... header) {
        this.header = List.of(header);
    }

    TextTable row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c instanceof Double d ? Format.num(d) : c instanceof Float f ? Format.num(f) : String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    @Override
    public String toString() {
        int n = header.size();
        int[] w = new int[n];
        boolean[] numeric = new boolean[n];
        for (int i = 0; i < n; i++) {
            w[i] = TerminalText.width(header.get(i));
            numeric[i] = true;
        }
        for (List<String> r : rows) {
            for (int i = 0; i < n; i++) {
                w[i] = Math.max(w[i], TerminalText.width(r.get(i)));
                numeric[i] &= r.get(i).matches("[-+0-9.eE]+|-?inf|nan");
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, header, w, numeric);
        for (List<String> r : rows) {
            line(b, r, w, numeric);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, List<String> cells, int[] w, boolean[] right) {
        StringBuilder l = new StringBuilder("  ");
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String pad = " ".repeat(Math.max(0, w[i] - TerminalText.width(c)));
            l.append(right[i] ? pad + c : c + pad);
            if (i < cells.size() - 1) {
                l.append("  ");
            }
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
