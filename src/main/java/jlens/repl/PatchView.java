package jlens.repl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import jlens.chart.Chart;
import jlens.chart.Heatmap;
import jlens.chart.SmallMultiples;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchResult;

/**
 * How a patching grid reads in the terminal: the two runs' metrics, the cells with the largest effect and the layer x
 * column heatmap (the exact and estimated grids side by side, with their correlation, when both are at hand). The
 * {@code patch} command renders through it, and so can JShell: {@code PatchView.show(session, ws.patching().run(kind, options),
 * null, null)}.
 */
public final class PatchView {
    private PatchView() {}

    /**
     * Why a patching grid is empty when the clean and corrupted metrics are equal, said in words: the model does not
     * tell the two apart, so it does not do the task the prompts pose (a model without the circuit the task needs),
     * and what to try instead. {@code where} says where the raw numbers are.
     */
    static String noChange(Session s, String where) {
        boolean known = s.workspace().circuits().isPresent();
        return "no change between clean and corrupt (m_clean = m_corrupt): this model does not do this task, so no cell has an"
                + " effect to normalise (NaN) and there is no grid to draw; try " + (known
                        ? "'load gpt2', or the known-answer model's induction prompts: 'prompts examples/known-prompts.jsonl'"
                                + " (or 'help workflow')"
                        : "a corruption that changes the answer, or a larger model ('load gpt2-medium')")
                + "; " + where;
    }

    /**
     * A reason for equal metrics that lies in the two texts rather than the model: the metric reads a position before
     * the first token where they differ (a causal model's output there cannot change), or they do not differ at all.
     */
    static java.util.Optional<String> textReason(Session s) {
        try {
            long[] clean = s.workspace().ids();
            long[] corrupt = s.workspace().patching().corruptIds();
            int first = 0;
            while (first < clean.length && first < corrupt.length && clean[first] == corrupt[first]) {
                first++;
            }
            int at = s.workspace().patching().metric().at(clean.length);
            if (first == clean.length) {
                return java.util.Optional.of("no change between clean and corrupt: the two texts are the same, so patching"
                        + " changes nothing and there is no grid to draw; give a corrupted text that differs ('help corrupt')");
            }
            if (at < first) {
                return java.util.Optional.of("no change between clean and corrupt: the metric reads position " + at
                        + ", before the first token where the texts differ (" + first + "), and nothing after a position"
                        + " reaches it; there is no grid to draw (NaN): move the metric to position " + first + " or later ('metric"
                        + " ... pos P')");
            }
        } catch (RuntimeException e) {
            // no reason of the texts' own to give; the general one follows
        }
        return java.util.Optional.empty();
    }

    /**
     * Prints and draws {@code r}, kept as the session's last result for {@code save}.
     *
     * @param exact the exact grid of the same experiment, to set beside an estimate; or null
     * @param selfCheck the largest |m - m_clean| with the text patched into itself, for an exact grid; or null
     */
    public static void show(Session s, PatchResult r, PatchResult exact, Double selfCheck) {
        PatchKind kind = r.spec().kind();
        boolean approx = r.method() == jlens.intervene.PatchMethod.APPROX;
        int cells = r.raw().length;
        s.println("m_clean " + Format.num(r.mClean()) + ", m_corrupt " + Format.num(r.mCorrupt()) + " (m_clean - m_corrupt "
                + Format.num(r.mClean() - r.mCorrupt()) + ")"
                + (approx ? "; estimated from one backward pass" : "; " + r.computed() + " of " + cells
                        + " cells run, the others equal the corrupted run exactly") + ", " + Format.num(r.seconds()) + " s");
        boolean undefined = sayUndefined(s, r.mClean(), r.mCorrupt(),
                () -> textReason(s).orElseGet(() -> noChange(s, "the raw metric of every cell is in 'save X.json'")),
                "the raw metric of every cell is in 'save X.json'");
        sayNonFiniteCells(s, r.raw(), undefined);
        int height = Math.max(s.settings().height(), r.shape()[0] * (byHeadAndPosition(kind) ? r.shape()[1] : 1) / 2 + 8);
        String check = selfCheck == null ? null : "check: patching the text into itself gives m_clean in every cell (max |m - m_clean| "
                + Format.num(selfCheck) + ")";
        if (!undefined) {
            topCells(s, Grid.of(r, s.workspace().tokenPieces()), height, check == null ? 1 : s.printedLines(check),
                    "'save X.csv' writes every cell");
        }
        if (check != null) {
            s.println(check);
        }
        String title = (approx ? "estimated " : "") + "patched " + kind.word() + ": (m - m_corrupt) / (m_clean - m_corrupt)";
        Chart chart = patchChart(s, r, title);
        if (approx && exact != null) {
            s.println("correlation with the exact grid (the last result): " + Format.num(r.correlation(exact)));
            chart = new SmallMultiples("exact and estimated " + kind.word()).add(patchChart(s, exact, "exact"))
                    .add(patchChart(s, r, "estimated (attribution patching)"));
        } else if (approx) {
            s.println("'patch " + kind.word() + "' computes the exact grid; 'patch " + kind.word()
                    + " --approx' right after it shows both and their correlation");
        }
        s.drawUnless(undefined, chart, height);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("site", kind.word());
        params.put("method", r.method().name().toLowerCase(java.util.Locale.ROOT));
        params.put("metric", CircuitCommands.describe(s, r.spec().metric()));
        params.put("m_clean", r.mClean());
        params.put("m_corrupt", r.mCorrupt());
        s.lastResult(Result.of("patch", "patch " + kind.word() + (approx ? " --approx" : ""), params, r));
    }

    /**
     * Says, when it is so, that the metrics leave the normalised grid undefined (NaN): either is not finite, or they are
     * the same ({@code same} says how). Returns whether it is undefined: then no grid is drawn.
     */
    static boolean sayUndefined(Session s, double clean, double corrupt, java.util.function.Supplier<String> same,
            String whereRaw) {
        if (!PatchResult.undefined(clean, corrupt)) {
            return false;
        }
        s.println(Double.isFinite(clean) && Double.isFinite(corrupt) ? same.get()
                : "m_clean or m_corrupt is not finite (NaN or infinite logits where the metric reads them): the normalised"
                        + " values are not defined (NaN), so there is no grid to draw; " + whereRaw);
        return true;
    }

    /** Says how many cells' metrics are NaN or infinite (blank cells), when the grid is drawn and some are. */
    static void sayNonFiniteCells(Session s, double[] raw, boolean undefined) {
        long bad = java.util.Arrays.stream(raw).filter(x -> !Double.isFinite(x)).count();
        if (bad > 0 && !undefined) {
            s.println(bad + " of " + raw.length + " cells are NaN or infinite (their patched runs' logits are not finite): blank"
                    + " cells, left out of the table ('save X.csv' keeps them as nan)");
        }
    }

    /** A grid of layer.head rows by position: a head at one position. */
    static boolean byHeadAndPosition(PatchKind kind) {
        return kind.perHead() && !kind.allPositions();
    }

    /**
     * A patching grid as the table and chart show it: one pair's, or a prompt set's mean.
     *
     * @param pieces the tokens that label a per-position grid's columns
     */
    record Grid(PatchKind kind, int[] shape, double[] normalized, double[] raw, String[] pieces) {
        static Grid of(PatchResult r, String[] pieces) {
            return new Grid(r.spec().kind(), r.shape(), r.normalized(), r.raw(), pieces);
        }

        double[][] normalizedRows() {
            int width = shape[shape.length - 1];
            double[][] out = new double[normalized.length / width][width];
            for (int i = 0; i < out.length; i++) {
                for (int j = 0; j < width; j++) {
                    double v = normalized[i * width + j];
                    out[i][j] = Double.isFinite(v) ? v : Double.NaN; // a blank cell: an infinity would take an end colour
                }
            }
            return out;
        }

        /** The grid index of flat cell {@code i}: (layer, position), (layer, head) or (layer, head, position). */
        int[] index(int i) {
            int rest = i;
            int[] out = new int[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                out[d] = rest % shape[d];
                rest /= shape[d];
            }
            return out;
        }
    }

    /**
     * The ten cells with the largest |normalised| value, which the heatmap shows too: left out (one line saying so)
     * when, with {@code linesAfter} lines still to print, they would push the command line off a terminal's screen
     * above a chart of {@code chartRows} rows ({@code whereAll} says which save has every cell).
     */
    static void topCells(Session s, Grid r, int chartRows, int linesAfter, String whereAll) {
        String[] pieces = r.pieces();
        boolean perPosition = !r.kind().allPositions();
        List<String> header = new ArrayList<>(List.of("layer"));
        if (r.kind().perHead()) {
            header.add("head");
        }
        if (perPosition) {
            header.add("pos");
            header.add("token");
        }
        header.add("normalised");
        header.add("raw");
        TextTable table = new TextTable(header.toArray(String[]::new));
        List<Integer> order = IntStream.range(0, r.raw().length).boxed()
                .filter(i -> Double.isFinite(r.normalized()[i]))
                .sorted(Comparator.comparingDouble((Integer i) -> -Math.abs(r.normalized()[i])))
                .limit(10).toList();
        for (int i : order) {
            int[] index = r.index(i);
            List<Object> cells = new ArrayList<>();
            int k = 0;
            cells.add(index[k++]);
            if (r.kind().perHead()) {
                cells.add(index[k++]);
            }
            if (perPosition) {
                int p = index[k++];
                cells.add(p);
                cells.add(Format.visible(pieces[p]));
            }
            cells.add(r.normalized()[i]);
            cells.add(r.raw()[i]);
            table.row(cells.toArray());
        }
        String text = table.toString();
        if (s.fits(1, chartRows, 1 + (int) text.lines().count() + linesAfter)) {
            s.println("the cells with the largest effect (of " + r.raw().length + "):");
            s.out().print(text);
        } else {
            s.println("(the " + order.size() + " cells with the largest effect are left out to keep the chart on screen; " + whereAll + ")");
        }
    }

    private static Heatmap patchChart(Session s, PatchResult r, String title) {
        return patchChart(Grid.of(r, s.workspace().tokenPieces()), title, "position");
    }

    /** The layer x column heatmap of a grid, centred on 0 (the corrupted run); per-position columns carry the tokens. */
    static Heatmap patchChart(Grid r, String title, String positionLabel) {
        PatchKind kind = r.kind();
        double[][] rows = r.normalizedRows();
        String[] rowLabels = new String[rows.length];
        for (int i = 0; i < rows.length; i++) {
            rowLabels[i] = byHeadAndPosition(kind) ? (i / r.shape()[1]) + "." + (i % r.shape()[1]) : Integer.toString(i);
        }
        Heatmap map = new Heatmap(rows).title(title).rowLabels(rowLabels).yLabel(byHeadAndPosition(kind) ? "layer.head" : "layer")
                .colorLabel("normalised").originBottom(true);
        if (kind.allPositions()) {
            map.xLabel("head");
        } else {
            int t = r.shape()[r.shape().length - 1];
            String[] labels = new String[t];
            for (int p = 0; p < t; p++) {
                labels[p] = Format.visible(r.pieces()[p]);
            }
            map.columnLabels(labels).xLabel(positionLabel);
        }
        return map.diverging(0, "corrupt"); // normalised 0 is the corrupted run's metric
    }
}
