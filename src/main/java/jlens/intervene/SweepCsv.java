package jlens.intervene;

import java.util.List;
import java.util.Locale;

/** A sweep's results as CSV text, for {@code save}. Numbers use '.' whatever the locale; NaN marks no case. */
public final class SweepCsv {
    private SweepCsv() {}

    /** {@code layer,logprob,clean_logprob}: the notebook's layer sweep (one case per layer). */
    public static String byLayer(SweepResult r) {
        StringBuilder out = new StringBuilder("layer,logprob,clean_logprob\n");
        double[] values = r.byLayer();
        for (int l = 0; l < values.length; l++) {
            out.append(l).append(',').append(num(values[l])).append(',').append(num(r.clean())).append('\n');
        }
        return out.toString();
    }

    /** A layer x head matrix of log-probs: {@code layer,head_0,head_1,...}, one row per layer. */
    public static String byLayerAndHead(SweepResult r) {
        return matrix(r.byLayerAndHead(), "head_");
    }

    /** A layer x position matrix of log-probs: {@code layer,pos_0,pos_1,...}, one row per layer. */
    public static String byLayerAndPosition(SweepResult r) {
        return matrix(r.byLayerAndPosition(), "pos_");
    }

    /** The {@code top} cases with the largest effect: {@code rank,layer,head,position,logprob,clean_logprob,delta}. */
    public static String ranked(SweepResult r, int top) {
        List<SweepRecord> ranked = r.ranked();
        return records(ranked.subList(0, Math.min(top, ranked.size())), true);
    }

    /** Every case in order: {@code layer,head,position,logprob,clean_logprob,delta} (head -1 for per-position sites). */
    public static String records(SweepResult r) {
        return records(r.records(), false);
    }

    private static String records(List<SweepRecord> records, boolean withRank) {
        StringBuilder out = new StringBuilder(withRank ? "rank," : "").append("layer,head,position,logprob,clean_logprob,delta\n");
        int rank = 1;
        for (SweepRecord x : records) {
            if (withRank) {
                out.append(rank++).append(',');
            }
            out.append(x.layer()).append(',').append(x.head()).append(',').append(x.position()).append(',')
                    .append(num(x.logprob())).append(',').append(num(x.cleanLogprob())).append(',').append(num(x.delta()))
                    .append('\n');
        }
        return out.toString();
    }

    private static String matrix(double[][] m, String columnPrefix) {
        StringBuilder out = new StringBuilder("layer");
        int width = m.length == 0 ? 0 : m[0].length;
        for (int c = 0; c < width; c++) {
            out.append(',').append(columnPrefix).append(c);
        }
        out.append('\n');
        for (int l = 0; l < m.length; l++) {
            out.append(l);
            for (double v : m[l]) {
                out.append(',').append(num(v));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.6f", v);
    }
}
