package jlens.analysis;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The attention patterns a head detector looks for, as TransformerLens's {@code head_detector} builds them from
 * the token ids ({@code get_*_detection_pattern}), plus {@code bos} and {@code current-token}. Each is a 0/1
 * matrix {@code [query, key]}, lower triangular.
 */
public enum HeadDetectKind {
    /** Key i-1 for every query i >= 1. */
    PREVIOUS_TOKEN("previous-token"),
    /** Every earlier key holding the query's token (the query itself excluded). */
    DUPLICATE_TOKEN("duplicate-token"),
    /** The key after every earlier copy of the query's token: the duplicate pattern shifted one key right. */
    INDUCTION("induction"),
    /** Key 0 for every query (the first token, where TransformerLens puts BOS). */
    BOS("bos"),
    /** The query's own position. */
    CURRENT_TOKEN("current-token");

    private final String label;

    HeadDetectKind(String label) {
        this.label = label;
    }

    /** The name the REPL and the saved files use. */
    public String label() {
        return label;
    }

    /** By label ({@code previous-token}) or TransformerLens's name ({@code previous_token_head}). */
    public static HeadDetectKind parse(String name) {
        String s = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        if (s.endsWith("-head")) {
            s = s.substring(0, s.length() - "-head".length());
        }
        for (HeadDetectKind k : values()) {
            if (k.label.equals(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown head pattern '" + name + "'; use " + labels());
    }

    /** {@code previous-token|duplicate-token|induction|bos|current-token}. */
    public static String labels() {
        return Arrays.stream(values()).map(HeadDetectKind::label).collect(Collectors.joining("|"));
    }

    /** The detection pattern {@code [T][T]} for these token ids. */
    public boolean[][] pattern(long[] ids) {
        int t = ids.length;
        boolean[][] p = new boolean[t][t];
        switch (this) {
            case PREVIOUS_TOKEN -> {
                for (int i = 1; i < t; i++) {
                    p[i][i - 1] = true;
                }
            }
            case DUPLICATE_TOKEN -> {
                // tokens equal, below the diagonal (TransformerLens zeroes the diagonal, then takes tril)
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < i; j++) {
                        p[i][j] = ids[i] == ids[j];
                    }
                }
            }
            case INDUCTION -> {
                // the duplicate pattern rolled one column right, with the wrapped-around column 0 cleared;
                // j - 1 < i, so every mark stays on or below the diagonal
                for (int i = 0; i < t; i++) {
                    for (int j = 1; j <= i; j++) {
                        p[i][j] = ids[i] == ids[j - 1];
                    }
                }
            }
            case BOS -> {
                for (int i = 0; i < t; i++) {
                    p[i][0] = true;
                }
            }
            case CURRENT_TOKEN -> {
                for (int i = 0; i < t; i++) {
                    p[i][i] = true;
                }
            }
        }
        return p;
    }
}
