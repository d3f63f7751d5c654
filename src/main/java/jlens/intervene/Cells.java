package jlens.intervene;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which cells of a hook point's activation an {@link Intervention} replaces: sequence positions (absolute, from 0:
 * the query positions at the attention scores and pattern) and heads (at the points that have them); null for all
 * of either.
 *
 * @param positions the positions, in any order, or null for every position
 * @param heads the heads, or null for every head (and at points without heads)
 */
public record Cells(int[] positions, int[] heads) {
    /** Every position and every head. */
    public static final Cells ALL = new Cells(null, null);

    public Cells {
        positions = positions == null ? null : positions.clone();
        heads = heads == null ? null : heads.clone();
        if (positions != null && (positions.length == 0 || Arrays.stream(positions).anyMatch(p -> p < 0))) {
            throw new IllegalArgumentException("cells need positions counted from 0 (resolve negative ones first), or none for all");
        }
        if (heads != null && (heads.length == 0 || Arrays.stream(heads).anyMatch(h -> h < 0))) {
            throw new IllegalArgumentException("cells need heads counted from 0, or none for all");
        }
    }

    /** One position, every head. */
    public static Cells at(int position) {
        return new Cells(new int[] {position}, null);
    }

    /** One head at every position. */
    public static Cells head(int head) {
        return new Cells(null, new int[] {head});
    }

    /** One head at one position; {@code head} -1 for every head, {@code position} -1 for every position. */
    public static Cells of(int head, int position) {
        return new Cells(position < 0 ? null : new int[] {position}, head < 0 ? null : new int[] {head});
    }

    /** Positions {@code 0..n-1}. */
    public static Cells first(int n) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        return new Cells(p, null);
    }

    public boolean allPositions() {
        return positions == null;
    }

    public boolean allHeads() {
        return heads == null;
    }

    public boolean hasPosition(long p) {
        return positions == null || Arrays.stream(positions).anyMatch(x -> x == p);
    }

    public boolean hasHead(long h) {
        return heads == null || Arrays.stream(heads).anyMatch(x -> x == h);
    }

    /** The first position replaced (0 for every position). */
    public int firstPosition() {
        return positions == null ? 0 : Arrays.stream(positions).min().orElseThrow();
    }

    /** The last position replaced, or -1 for every position. */
    public int lastPosition() {
        return positions == null ? -1 : Arrays.stream(positions).max().orElseThrow();
    }

    /** For a reader: {@code head 4 at position 7}, {@code positions 0-2}, or the empty string for all cells. */
    public String describe() {
        String h = heads == null ? "" : (heads.length == 1 ? "head " + heads[0] : "heads " + list(heads));
        String p = positions == null ? "" : (positions.length == 1 ? "position " + positions[0] : "positions " + list(positions));
        return h.isEmpty() ? p : p.isEmpty() ? h : h + " at " + p;
    }

    private static String list(int[] values) {
        int[] sorted = values.clone();
        Arrays.sort(sorted);
        boolean run = sorted[sorted.length - 1] - sorted[0] == sorted.length - 1;
        return run && sorted.length > 2 ? sorted[0] + "-" + sorted[sorted.length - 1]
                : Arrays.stream(sorted).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cells c && Arrays.equals(positions, c.positions) && Arrays.equals(heads, c.heads);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(positions) + Arrays.hashCode(heads);
    }

    @Override
    public String toString() {
        return "Cells[" + (describe().isEmpty() ? "all" : describe()) + "]";
    }
}
