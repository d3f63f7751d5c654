package jlens.intervene;

import java.util.ArrayList;
import java.util.List;
import jlens.analysis.Metric;
import jlens.model.Gpt2Config;

/**
 * An activation-patching experiment: run the corrupted text, replace one activation (a cell) by its value in the
 * clean run, and read the metric; once per cell.
 *
 * @param clean the clean text's token ids (the activations patched in come from here)
 * @param corrupt the corrupted text's token ids, as many as {@code clean} (the run that is patched)
 * @param kind which activations
 * @param metric what is measured
 */
public record PatchSpec(long[] clean, long[] corrupt, PatchKind kind, Metric metric) {
    public PatchSpec {
        clean = clean.clone();
        corrupt = corrupt.clone();
        if (clean.length == 0) {
            throw new IllegalArgumentException("no tokens to patch; give a text first");
        }
        if (corrupt.length != clean.length) {
            throw new IllegalArgumentException("the corrupted text has " + corrupt.length + " tokens and the text "
                    + clean.length + "; patching needs the same number of tokens");
        }
        metric.at(clean.length); // the metric's position must be in the text
    }

    /**
     * Patching the other way (noising): the corrupted text's activations into the clean run, measured the same way.
     * Its normalised grid reads 0 where a cell leaves the clean run's metric and 1 where it gives the corrupted one.
     */
    public PatchSpec noising() {
        return new PatchSpec(corrupt, clean, kind, metric);
    }

    /** Tokens in each text. */
    public int tokens() {
        return clean.length;
    }

    /** The metric's position, 0-based. */
    public int metricPosition() {
        return metric.at(clean.length);
    }

    /** Every cell, in the grid's row-major order (layer, then head, then position). */
    public List<PatchCell> cells(Gpt2Config config) {
        int t = clean.length;
        List<PatchCell> out = new ArrayList<>();
        for (int l = 0; l < config.nLayer(); l++) {
            if (!kind.perHead()) {
                for (int p = 0; p < t; p++) {
                    out.add(new PatchCell(l, -1, p));
                }
            } else if (kind.allPositions()) {
                for (int h = 0; h < config.nHead(); h++) {
                    out.add(new PatchCell(l, h, -1));
                }
            } else {
                for (int h = 0; h < config.nHead(); h++) {
                    for (int p = 0; p < t; p++) {
                        out.add(new PatchCell(l, h, p));
                    }
                }
            }
        }
        return out;
    }
}
