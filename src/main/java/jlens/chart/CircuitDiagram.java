package jlens.chart;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.BasicTextImage;
import com.googlecode.lanterna.graphics.TextImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A circuit of GPT-2's computational graph drawn as layers: {@code input} at the top, then one row per layer's
 * attention heads ({@code a{l}.h{h}}) and one per layer's MLP ({@code m{l}}), {@code logits} at the bottom. Each
 * node is a box; each edge runs down from its sender to its receiver, solid when its score is positive and dashed
 * when negative (and, in colour, red and blue), heavy when its |score| is at least half the largest drawn. An edge
 * into a head ends in the letter of the input it feeds: {@code q}, {@code k} or {@code v}; into an MLP or the logits
 * in an arrow head. A list of the drawn edges with their scores goes at the right when there is room.
 *
 * <p>Edges are named exactly as EAP-IG names them ({@code input->a0.h1<q>}, {@code a0.h1->a1.h2<k>},
 * {@code a0.h1->m0}, {@code m0->logits}; an edge into a head without its {@code <q|k|v>} is accepted and drawn with
 * an arrow), so a graph's {@code {name: score}} map is all it takes. The strongest edges (by |score|) that fit the
 * size are drawn and the title says how many of how many; {@link #pages} splits a larger circuit into diagrams of
 * a few edges each, for a pager.
 *
 * <pre>{@code
 * Map<String, Double> scores = Map.of("a0.h1->a1.h2<k>", 2.1, "input->a0.h1<v>", 0.8, "a1.h2->logits", 3.0);
 * CircuitDiagram d = new CircuitDiagram(scores).title("induction").scoreLabel("logit diff");
 * terminal.writer().print(d.toText(79, 24, style));     // as any chart
 * String dot = d.toDot();                               // Graphviz: dot -Tsvg circuit.dot
 * List<CircuitDiagram> pages = d.pages(12);             // 12 edges a page, strongest first
 * }</pre>
 */
public final class CircuitDiagram implements Chart {
    /** Node kinds in the order of the forward pass. */
    public enum Kind {
        INPUT,
        ATTENTION,
        MLP,
        LOGITS
    }

    /**
     * A node of the graph.
     *
     * @param name EAP-IG's name: {@code input}, {@code a{layer}.h{head}}, {@code m{layer}} or {@code logits}
     * @param kind what it is
     * @param layer its layer (-1 for the input, {@link Integer#MAX_VALUE} for the logits)
     * @param head the head of an attention node, else -1
     */
    public record Node(String name, Kind kind, int layer, int head) {
        /** The order of the forward pass: the input, then per layer its heads and its MLP, then the logits. */
        public long order() {
            return switch (kind) {
                case INPUT -> -1;
                case ATTENTION -> 2L * layer;
                case MLP -> 2L * layer + 1;
                case LOGITS -> Long.MAX_VALUE;
            };
        }

        static Node parse(String s, String edge) {
            Matcher m = NODE.matcher(s);
            if (!m.matches()) {
                throw bad(edge, "'" + s + "' is not a node (input, aL.hH, mL or logits)");
            }
            if (s.equals("input")) {
                return new Node(s, Kind.INPUT, -1, -1);
            } else if (s.equals("logits")) {
                return new Node(s, Kind.LOGITS, Integer.MAX_VALUE, -1);
            } else if (m.group(1) != null) {
                return new Node(s, Kind.ATTENTION, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            }
            return new Node(s, Kind.MLP, Integer.parseInt(m.group(3)), -1);
        }
    }

    /**
     * An edge of the graph.
     *
     * @param name its EAP-IG name, such as {@code a0.h1->a1.h2<k>}
     * @param from the sender
     * @param to the receiver
     * @param input {@code q}, {@code k} or {@code v} for an edge into a head's input, else a space
     * @param score its score (the change of the metric, say)
     */
    public record Edge(String name, Node from, Node to, char input, double score) {
        private static final Pattern NAME = Pattern.compile("([a-z0-9.]+)->([a-z0-9.]+)(?:<([qkv])>)?");

        /** Reads an EAP-IG edge name; an IllegalArgumentException says what is wrong with a bad one. */
        public static Edge parse(String name, double score) {
            Objects.requireNonNull(name, "edge name");
            Matcher m = NAME.matcher(name);
            if (!m.matches()) {
                throw bad(name, "edge names read SENDER->RECEIVER, with <q>, <k> or <v> after a receiving head");
            }
            Node from = Node.parse(m.group(1), name);
            Node to = Node.parse(m.group(2), name);
            char input = m.group(3) == null ? ' ' : m.group(3).charAt(0);
            if (from.kind() == Kind.LOGITS || to.kind() == Kind.INPUT) {
                throw bad(name, "nothing leaves the logits and nothing enters the input");
            }
            if (input != ' ' && to.kind() != Kind.ATTENTION) {
                throw bad(name, "only a head has q, k and v inputs");
            }
            if (from.order() >= to.order()) {
                throw bad(name, "a sender must come before its receiver in the forward pass");
            }
            if (!Double.isFinite(score)) {
                throw bad(name, "its score is " + score + "; give finite scores");
            }
            return new Edge(name, from, to, input, score);
        }
    }

    private static final Pattern NODE = Pattern.compile("input|logits|a(\\d{1,4})\\.h(\\d{1,4})|m(\\d{1,4})");
    /** How many edges the terminal drawing considers at most; a whole graph's tail is never drawable anyway. */
    private static final int MOST_DRAWN = 400;
    /** How many edges {@link #pages(int, int, RenderStyle)} pages through at most. */
    private static final int MOST_PAGED = 2000;

    private final List<Edge> edges; // strongest first
    private final int total; // edges in the whole circuit this diagram is part of
    private final int firstRank; // rank (0-based) of edges.get(0) in that circuit
    private String title = "";
    private String scoreLabel = "score";

    /**
     * A diagram of the edges {@code name -> score} (EAP-IG's names; see the class comment). An edge name that
     * does not parse, a sender after its receiver or a score that is not finite is an IllegalArgumentException.
     */
    public CircuitDiagram(Map<String, ? extends Number> scores) {
        this(parse(scores), -1, 0);
    }

    private CircuitDiagram(List<Edge> ranked, int total, int firstRank) {
        this.edges = List.copyOf(ranked);
        this.total = total < 0 ? ranked.size() : total;
        this.firstRank = firstRank;
    }

    private static List<Edge> parse(Map<String, ? extends Number> scores) {
        Objects.requireNonNull(scores, "scores");
        List<Edge> list = new ArrayList<>(scores.size());
        for (Map.Entry<String, ? extends Number> e : scores.entrySet()) {
            Objects.requireNonNull(e.getValue(), () -> "edge " + e.getKey() + " has no score");
            list.add(Edge.parse(e.getKey(), e.getValue().doubleValue()));
        }
        list.sort(Comparator.comparingDouble((Edge e) -> -Math.abs(e.score())).thenComparing(Edge::name));
        return list;
    }

    private static IllegalArgumentException bad(String edge, String why) {
        return new IllegalArgumentException("edge '" + TerminalText.escape(edge == null ? "" : edge.length() > 80
                ? edge.substring(0, 80) + "..." : edge) + "': " + why);
    }

    public CircuitDiagram title(String t) {
        this.title = t == null ? "" : t;
        return this;
    }

    /** What the scores measure, for the edge list and the figure's legend ({@code "score"} by default). */
    public CircuitDiagram scoreLabel(String label) {
        this.scoreLabel = label == null || label.isBlank() ? "score" : label;
        return this;
    }

    public String title() {
        return title;
    }

    public String scoreLabel() {
        return scoreLabel;
    }

    /** The edges, strongest (largest |score|) first. */
    public List<Edge> edges() {
        return edges;
    }

    /** How many edges the whole circuit has (more than {@link #edges()} on a page of it). */
    public int total() {
        return total;
    }

    /** The rank of this diagram's first edge in the whole circuit, counted from 0 (0 unless a page). */
    public int firstRank() {
        return firstRank;
    }

    /**
     * The circuit split into diagrams of {@code perPage} edges each, strongest first: page i has the edges ranked
     * {@code i * perPage} to {@code (i + 1) * perPage - 1}, and says so in its title. At least one page.
     */
    public List<CircuitDiagram> pages(int perPage) {
        if (perPage < 1) {
            throw new IllegalArgumentException("a page holds at least one edge");
        }
        List<CircuitDiagram> pages = new ArrayList<>();
        for (int from = 0; from < edges.size() || from == 0; from += perPage) {
            List<Edge> part = edges.subList(from, Math.min(edges.size(), from + perPage));
            pages.add(new CircuitDiagram(part, total, firstRank + from).title(title).scoreLabel(scoreLabel));
            if (edges.isEmpty()) {
                break;
            }
        }
        return pages;
    }

    /**
     * The circuit split into diagrams that each fit {@code width x height} in {@code style}, strongest edges first:
     * page 0 has the strongest edges that fit, page 1 the next ones that fit, and so on, each saying which ranks it
     * holds. For a pager drawing at that size ({@code view}). At least one page; a whole graph's tail beyond its
     * strongest {@value #MOST_PAGED} edges is left to {@link #toDot()} and the edge list.
     */
    public List<CircuitDiagram> pages(int width, int height, RenderStyle style) {
        List<CircuitDiagram> pages = new ArrayList<>();
        int end = Math.min(edges.size(), MOST_PAGED);
        int from = 0;
        do {
            CircuitDiagram rest = new CircuitDiagram(edges.subList(from, end), total, firstRank + from);
            int n = Math.max(1, rest.fitting(width, height, style));
            pages.add(new CircuitDiagram(edges.subList(from, Math.min(end, from + n)), total, firstRank + from)
                    .title(title).scoreLabel(scoreLabel));
            from += n;
        } while (from < end);
        return pages;
    }

    /** How many of the strongest edges a drawing {@code width x height} in {@code style} shows. */
    public int fitting(int width, int height, RenderStyle style) {
        int candidates = Math.min(edges.size(), MOST_DRAWN);
        // A layout only grows with more edges, so a binary search finds the most that fit.
        int lo = Math.min(1, candidates);
        int hi = candidates;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (layout(mid, style).fits(width, height)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The circuit in Graphviz's DOT language, every edge of it (see {@link CircuitDot}). */
    public String toDot() {
        return CircuitDot.write(this);
    }

    // ---- drawing ----

    @Override
    public TextImage render(int width, int height, RenderStyle style) {
        if (width < PlotFrame.MIN_WIDTH || height < PlotFrame.MIN_HEIGHT) {
            throw new IllegalArgumentException("a chart needs at least " + PlotFrame.MIN_WIDTH + " x "
                    + PlotFrame.MIN_HEIGHT + " cells, got " + width + " x " + height);
        }
        return layout(fitting(width, height, style), style).draw(width, height);
    }

    private Layout layout(int shown, RenderStyle style) {
        return new Layout(edges.subList(0, shown), style);
    }

    /** The heading of a drawing of this diagram's strongest {@code shown} edges: the title and which edges. */
    public String heading(int shown) {
        String which;
        if (edges.isEmpty()) {
            which = "no edges";
        } else if (shown == total) {
            which = total + (total == 1 ? " edge" : " edges");
        } else if (firstRank == 0) {
            which = "strongest " + shown + " of " + total + " edges";
        } else {
            which = "edges " + (firstRank + 1) + "-" + (firstRank + shown) + " of " + total;
        }
        return title.isEmpty() ? "circuit: " + which : title + " (" + which + ")";
    }

    /** A score as the list and the figure print it: three significant digits, with its sign. */
    public static String format(double v) {
        String s = Ticks.format(v);
        return v > 0 ? "+" + s : s;
    }

    /** Positions of everything in the text drawing of the strongest {@code shown} edges. */
    private final class Layout {
        private static final int GAP = 1;
        private final List<Edge> shown;
        private final RenderStyle style;
        private final Glyphs g;
        private final List<Long> rowKeys = new ArrayList<>(); // row order values, top to bottom
        private final Map<String, Box> boxes = new LinkedHashMap<>();
        private final Map<Edge, int[]> ports = new LinkedHashMap<>(); // edge -> {xOut, xIn}
        private final Map<Edge, Integer> tracks = new LinkedHashMap<>();
        private final int[] channelHeight; // channel below row r
        private final int labelWidth;
        private final int nodeLeft;
        private final int nodeRight; // first column after the node area
        private final double strongest;

        /** A node's place: its row and columns [left, left + width). */
        private record Box(Node node, int row, int left, int width, List<Edge> in, List<Edge> out) {}

        Layout(List<Edge> shown, RenderStyle style) {
            this.shown = shown;
            this.style = style;
            this.g = style.glyphs();
            double max = 0;
            for (Edge e : shown) {
                max = Math.max(max, Math.abs(e.score()));
            }
            this.strongest = max;
            // Nodes and rows in forward order.
            Map<String, Node> nodes = new java.util.TreeMap<>();
            for (Edge e : shown) {
                nodes.put(e.from().name(), e.from());
                nodes.put(e.to().name(), e.to());
            }
            List<Node> ordered = new ArrayList<>(nodes.values());
            ordered.sort(Comparator.comparingLong(Node::order).thenComparingInt(Node::head));
            for (Node n : ordered) {
                if (rowKeys.isEmpty() || rowKeys.get(rowKeys.size() - 1) != n.order()) {
                    rowKeys.add(n.order());
                }
            }
            int lw = 0;
            for (long key : rowKeys) {
                lw = Math.max(lw, rowLabel(key, ordered).length());
            }
            this.labelWidth = lw;
            this.nodeLeft = lw + 2;
            // Every head and MLP gets columns of its own, in forward order, so that an edge can run straight down
            // to its receiver without meeting another box; the input and the logits span the whole width.
            int x = nodeLeft;
            for (Node n : ordered) {
                List<Edge> in = new ArrayList<>();
                List<Edge> out = new ArrayList<>();
                for (Edge e : shown) {
                    if (e.to().equals(n)) {
                        in.add(e);
                    }
                    if (e.from().equals(n)) {
                        out.add(e);
                    }
                }
                // Ports left to right: into a node, the nearest senders first (their tracks then cross nothing
                // coming from farther up), the input last; out of it, the edge to the logits first.
                in.sort(Comparator.comparingLong((Edge e) -> -e.from().order()).thenComparing(Edge::name));
                out.sort(Comparator.comparingLong((Edge e) -> e.to().kind() == Kind.LOGITS ? Long.MIN_VALUE
                        : e.to().order()).thenComparing(Edge::name));
                int row = rowKeys.indexOf(n.order());
                if (n.kind() == Kind.INPUT || n.kind() == Kind.LOGITS) {
                    boxes.put(n.name(), new Box(n, row, -1, 0, in, out));
                    continue;
                }
                int w = Math.max(label(n).length(), Math.max(in.size(), out.size())) + 2;
                boxes.put(n.name(), new Box(n, row, x, w, in, out));
                x += w + GAP;
            }
            // An edge straight from the input to the logits needs a column of its own.
            for (Edge e : shown) {
                if (e.from().kind() == Kind.INPUT && e.to().kind() == Kind.LOGITS) {
                    ports.put(e, new int[] {x + 1, x + 1});
                    x += 3;
                }
            }
            int right = Math.max(x - GAP, nodeLeft + 6);
            this.nodeRight = right;
            for (Box b : boxes.values()) {
                if (b.left() < 0) {
                    continue;
                }
                for (int i = 0; i < b.in().size(); i++) {
                    port(b.in().get(i), 1, spread(b, i, b.in().size()));
                }
                for (int i = 0; i < b.out().size(); i++) {
                    port(b.out().get(i), 0, spread(b, i, b.out().size()));
                }
            }
            for (Edge e : shown) { // the input's edges drop where they enter; edges to the logits where they leave
                int[] p = ports.computeIfAbsent(e, k -> new int[] {-1, -1});
                if (e.from().kind() == Kind.INPUT) {
                    p[0] = p[1];
                }
                if (e.to().kind() == Kind.LOGITS) {
                    p[1] = p[0];
                }
            }
            this.channelHeight = new int[Math.max(0, rowKeys.size() - 1)];
            for (int r = 0; r + 1 < rowKeys.size(); r++) {
                channelHeight[r] = assignTracks(r) + 1; // the tracks (maybe none), then a row for the arrow heads
            }
        }

        private void port(Edge e, int end, int column) {
            ports.computeIfAbsent(e, k -> new int[] {-1, -1})[end] = column;
        }

        /** Column of port i of n inside box b, spread evenly over its inner columns. */
        private int spread(Box b, int i, int n) {
            int inner = b.width() - 2;
            return b.left() + 1 + (int) ((2L * i + 1) * inner / (2L * n));
        }

        /** Gives each edge that turns in the channel under row r a track; returns how many tracks. */
        private int assignTracks(int r) {
            List<Edge> turning = new ArrayList<>();
            for (Edge e : shown) {
                if (row(e.from()) == r && e.from().kind() != Kind.INPUT && e.to().kind() != Kind.LOGITS) {
                    turning.add(e);
                }
            }
            // Longest reach first on the top track: a short hop below it then crosses fewer lines.
            turning.sort(Comparator.comparingInt((Edge e) -> -ports.get(e)[1]).thenComparing(Edge::name));
            List<List<int[]>> used = new ArrayList<>();
            for (Edge e : turning) {
                int a = Math.min(ports.get(e)[0], ports.get(e)[1]);
                int b = Math.max(ports.get(e)[0], ports.get(e)[1]);
                int t = 0;
                while (t < used.size() && overlaps(used.get(t), a, b)) {
                    t++;
                }
                if (t == used.size()) {
                    used.add(new ArrayList<>());
                }
                used.get(t).add(new int[] {a, b});
                tracks.put(e, t);
            }
            return used.size();
        }

        private static boolean overlaps(List<int[]> spans, int a, int b) {
            for (int[] s : spans) {
                if (a <= s[1] + 1 && s[0] <= b + 1) {
                    return true;
                }
            }
            return false;
        }

        private int row(Node n) {
            return rowKeys.indexOf(n.order());
        }

        private String rowLabel(long key, List<Node> nodes) {
            for (Node n : nodes) {
                if (n.order() == key) {
                    return switch (n.kind()) {
                        case INPUT -> "input";
                        case LOGITS -> "logits";
                        case ATTENTION -> "attn " + n.layer();
                        case MLP -> "mlp " + n.layer();
                    };
                }
            }
            return "";
        }

        private String label(Node n) {
            return n.name();
        }

        private int headerRows() {
            return 2; // title, legend
        }

        /** Text row of node row r. */
        private int rowY(int r) {
            int y = headerRows();
            for (int i = 0; i < r; i++) {
                y += 1 + channelHeight[i];
            }
            return y;
        }

        private int diagramRows() {
            return rowKeys.isEmpty() ? 1 : rowY(rowKeys.size() - 1) + 1 - headerRows();
        }

        private int scoreWidth() {
            int w = 0;
            for (Edge e : shown) {
                w = Math.max(w, format(e.score()).length());
            }
            return w;
        }

        private int listWidth() {
            int w = 0;
            for (Edge e : shown) {
                w = Math.max(w, 2 + scoreWidth() + 1 + e.name().length());
            }
            return w;
        }

        boolean fits(int width, int height) {
            return nodeRight <= width && headerRows() + diagramRows() <= height;
        }

        TextImage draw(int width, int height) {
            int rows = Math.min(height, headerRows() + Math.max(diagramRows(), listRowsWanted(width, height)));
            TextImage image = new BasicTextImage(new TerminalSize(width, Math.max(1, rows)));
            boolean colour = style.mode() != ColorMode.MONO;
            String head = Text.fit(Text.clean(heading(shown.size()), g), width, g);
            Draw.boldText(image, Math.max(0, (width - head.length()) / 2), 0, head, TextColor.ANSI.DEFAULT);
            drawLegend(image, width);
            if (shown.isEmpty()) {
                return image;
            }
            for (int r = 0; r < rowKeys.size(); r++) {
                List<Node> nodes = new ArrayList<>();
                for (Box b : boxes.values()) {
                    if (b.row() == r) {
                        nodes.add(b.node());
                    }
                }
                Draw.text(image, 0, rowY(r), Text.fit(rowLabel(rowKeys.get(r), nodes), labelWidth, g));
            }
            // Weakest first, so the strong edges are on top where lines cross.
            for (int i = shown.size() - 1; i >= 0; i--) {
                drawEdge(image, shown.get(i));
            }
            for (Box b : boxes.values()) {
                drawBox(image, b, colour);
            }
            drawList(image, width, height);
            return image;
        }

        private void drawLegend(TextImage image, int width) {
            if (shown.isEmpty()) {
                return;
            }
            List<String[]> parts = new ArrayList<>(); // {sample, text, sign}
            boolean any = false;
            boolean anyNeg = false;
            for (Edge e : shown) {
                any |= e.score() > 0;
                anyNeg |= e.score() < 0;
            }
            if (any) {
                parts.add(new String[] {String.valueOf(line(true, true, true)) + line(true, true, true), " positive", "+"});
            }
            if (anyNeg) {
                parts.add(new String[] {String.valueOf(line(false, true, true)) + line(false, true, true), " negative", "-"});
            }
            String heavy = "  heavy: |" + scoreLabel + "| " + (g.braille() ? "\u2265 " : ">= ") + Ticks.format(strongest / 2);
            String qkv = "  q k v: input fed";
            int length = 0;
            for (String[] p : parts) {
                length += p[0].length() + p[1].length() + 2;
            }
            String tail = (length + heavy.length() + qkv.length() <= width ? heavy : "")
                    + (length + qkv.length() <= width ? qkv : "");
            int x = Math.max(0, (width - length - tail.length()) / 2);
            for (String[] p : parts) {
                TextColor fg = edgeColour(p[2].equals("+") ? 1 : -1);
                x = Draw.text(image, x, 1, p[0], fg);
                x = Draw.text(image, x, 1, p[1]) + 2;
            }
            Draw.text(image, x - 2, 1, Text.clean(tail, g));
        }

        /** How many rows the edge list would like (one per edge and a header), 0 when it gets no columns. */
        private int listRowsWanted(int width, int height) {
            return listLeft(width) < 0 ? 0 : shown.size() + 1;
        }

        private int listLeft(int width) {
            int left = nodeRight + 3;
            return left + Math.min(listWidth(), 28) <= width ? left : -1;
        }

        private void drawList(TextImage image, int width, int height) {
            int left = listLeft(width);
            if (left < 0) {
                return;
            }
            int top = headerRows();
            int room = image.getSize().getRows() - top - 1;
            Draw.text(image, left, top, Text.fit(Text.clean(scoreLabel + "  edge", g), width - left, g));
            for (int i = 0; i < shown.size() && i < room; i++) {
                Edge e = shown.get(i);
                int y = top + 1 + i;
                if (i == room - 1 && room < shown.size()) {
                    Draw.text(image, left, y, Text.fit((shown.size() - i) + " more", width - left, g));
                    break;
                }
                int x = Draw.text(image, left, y, String.valueOf(line(e.score() >= 0, heavy(e), true)) + ' ',
                        edgeColour(e.score()));
                String s = format(e.score());
                x = Draw.text(image, x + scoreWidth() - s.length(), y, s);
                Draw.text(image, x + 1, y, Text.fit(e.name(), Math.max(0, width - x - 1), g));
            }
        }

        private boolean heavy(Edge e) {
            return Math.abs(e.score()) >= strongest / 2;
        }

        private void drawEdge(TextImage image, Edge e) {
            int[] p = ports.get(e);
            int fromRow = row(e.from());
            int toRow = row(e.to());
            boolean positive = e.score() >= 0;
            boolean heavy = heavy(e);
            TextColor fg = edgeColour(e.score());
            int start = rowY(fromRow) + 1;
            int marker = rowY(toRow) - 1;
            char v = line(positive, heavy, false);
            if (e.from().kind() == Kind.INPUT || e.to().kind() == Kind.LOGITS) {
                vertical(image, p[0], start, marker, v, fg);
            } else {
                int track = rowY(fromRow) + 1 + tracks.get(e);
                vertical(image, p[0], start, track, v, fg);
                cell(image, p[0], track, corner(heavy, true), fg);
                char h = line(positive, heavy, true);
                for (int x = p[0] + 1; x < p[1]; x++) {
                    cell(image, x, track, h, fg);
                }
                cell(image, p[1], track, corner(heavy, false), fg);
                vertical(image, p[1], track + 1, marker, v, fg);
            }
            char head = e.input() != ' ' ? e.input() : g.braille() ? '\u25bc' : 'V';
            cell(image, p[1], marker, head, fg);
        }

        private void vertical(TextImage image, int x, int from, int to, char c, TextColor fg) {
            for (int y = from; y < to; y++) {
                cell(image, x, y, c, fg);
            }
        }

        private void cell(TextImage image, int x, int y, char c, TextColor fg) {
            Draw.cell(image, x, y, c, fg, TextColor.ANSI.DEFAULT);
        }

        private void drawBox(TextImage image, Box b, boolean colour) {
            int y = rowY(b.row());
            if (b.left() < 0) { // the input or the logits: a bar over the whole node area
                boolean top = b.node().kind() == Kind.INPUT;
                for (int x = nodeLeft; x < nodeRight; x++) {
                    Draw.chrome(image, x, y, g.braille() ? '\u2501' : '=', colour);
                }
                for (Edge e : top ? b.out() : b.in()) {
                    int x = ports.get(e)[top ? 0 : 1];
                    Draw.chrome(image, x, y, g.braille() ? (top ? '\u2533' : '\u253b') : '+', colour);
                }
                return;
            }
            Draw.chrome(image, b.left(), y, '[', colour);
            Draw.chrome(image, b.left() + b.width() - 1, y, ']', colour);
            String label = label(b.node());
            Draw.text(image, b.left() + 1 + (b.width() - 2 - label.length()) / 2, y, label);
        }

        /** The line glyph: solid for a positive score, dashed for a negative one; heavy or light. */
        private char line(boolean positive, boolean heavy, boolean horizontal) {
            if (!g.braille()) {
                return horizontal ? (positive ? (heavy ? '=' : '-') : (heavy ? ':' : '.')) : (positive ? '|' : ':');
            }
            if (horizontal) {
                return positive ? (heavy ? '\u2501' : '\u2500') : (heavy ? '\u254d' : '\u254c');
            }
            return positive ? (heavy ? '\u2503' : '\u2502') : (heavy ? '\u254f' : '\u254e');
        }

        private char corner(boolean heavy, boolean fromAbove) {
            if (!g.braille()) {
                return '+';
            }
            return fromAbove ? (heavy ? '\u2517' : '\u2514') : (heavy ? '\u2513' : '\u2510');
        }

        private TextColor edgeColour(double score) {
            if (style.mode() == ColorMode.MONO) {
                return TextColor.ANSI.DEFAULT;
            }
            return Draw.rgb(signColour(score, style.background(), style.mode()));
        }
    }

    /**
     * The colour of an edge of this sign that reads on {@code background} in {@code mode}: red for a positive score,
     * blue for a negative one.
     */
    public static int signColour(double score, Background background, ColorMode mode) {
        if (score >= 0) {
            return mode == ColorMode.COLOR16 && background == Background.LIGHT
                    ? Colormaps.categorical(1, background, mode) : Colormaps.highlight(background);
        }
        return Colormaps.categorical(0, background, mode);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "CircuitDiagram[%d of %d edges from %d]", edges.size(), total, firstRank);
    }
}
