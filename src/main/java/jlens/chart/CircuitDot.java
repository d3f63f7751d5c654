package jlens.chart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A circuit in Graphviz's DOT language, for {@code dot -Tsvg circuit.dot -o circuit.svg}: the input at the top, one
 * rank per layer's heads and per layer's MLP, the logits at the bottom; every edge red (positive score) or blue and
 * dashed (negative), its pen width growing with |score|, labelled with the head input it feeds ({@code q}, {@code k},
 * {@code v}) and carrying its name and score as a tooltip (shown on hover in an SVG).
 */
final class CircuitDot {
    private CircuitDot() {}

    static String write(CircuitDiagram d) {
        StringBuilder out = new StringBuilder();
        out.append("digraph circuit {\n");
        out.append("  graph [rankdir=TB, ranksep=0.5, nodesep=0.3, fontname=\"Helvetica\", labelloc=t, label=")
                .append(quote(d.title().isEmpty() ? "circuit" : d.title())).append("];\n");
        out.append("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#F4F4F4\", color=\"#555555\",")
                .append(" fontname=\"Helvetica\", fontsize=11];\n");
        out.append("  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.6];\n");
        // Nodes by rank, in the forward order.
        Map<Long, List<CircuitDiagram.Node>> ranks = new java.util.TreeMap<>();
        Map<String, CircuitDiagram.Node> nodes = new LinkedHashMap<>();
        for (CircuitDiagram.Edge e : d.edges()) {
            nodes.putIfAbsent(e.from().name(), e.from());
            nodes.putIfAbsent(e.to().name(), e.to());
        }
        for (CircuitDiagram.Node n : nodes.values()) {
            ranks.computeIfAbsent(n.order(), k -> new ArrayList<>()).add(n);
        }
        CircuitDiagram.Node previous = null;
        for (List<CircuitDiagram.Node> rank : ranks.values()) {
            rank.sort(java.util.Comparator.comparingInt(CircuitDiagram.Node::head));
            if (previous != null) { // rows in forward order even where no edge says so (an MLP under its heads)
                out.append("  ").append(quote(previous.name())).append(" -> ").append(quote(rank.get(0).name()))
                        .append(" [style=invis, weight=0];\n");
            }
            previous = rank.get(0);
            out.append("  { rank=same;");
            for (CircuitDiagram.Node n : rank) {
                out.append(' ').append(quote(n.name()));
                String fill = switch (n.kind()) {
                    case INPUT, LOGITS -> "#DDDDDD";
                    case ATTENTION -> "#F4F4F4";
                    case MLP -> "#EAF1F8";
                };
                out.append(" [fillcolor=\"").append(fill).append("\"];");
            }
            out.append(" }\n");
        }
        double strongest = 0;
        for (CircuitDiagram.Edge e : d.edges()) {
            strongest = Math.max(strongest, Math.abs(e.score()));
        }
        for (CircuitDiagram.Edge e : d.edges()) {
            double width = strongest > 0 ? 0.6 + 4.4 * Math.abs(e.score()) / strongest : 1;
            int rgb = CircuitDiagram.signColour(e.score(), Background.LIGHT, ColorMode.TRUECOLOR);
            out.append("  ").append(quote(e.from().name())).append(" -> ").append(quote(e.to().name())).append(" [")
                    .append("color=\"").append(String.format(Locale.ROOT, "#%06X", rgb)).append('"')
                    .append(", penwidth=").append(String.format(Locale.ROOT, "%.2f", width));
            if (e.score() < 0) {
                out.append(", style=dashed");
            }
            if (e.input() != ' ') {
                out.append(", headlabel=\"").append(e.input()).append("\", fontcolor=")
                        .append(quote(String.format(Locale.ROOT, "#%06X", rgb)));
            }
            out.append(", tooltip=").append(quote(e.name() + " " + CircuitDiagram.format(e.score())))
                    .append(", weight=").append(String.format(Locale.ROOT, "%.3f", strongest > 0
                            ? 1 + Math.abs(e.score()) / strongest : 1))
                    .append("];\n");
        }
        out.append("}\n");
        return out.toString();
    }

    /** A DOT string: quotes and backslashes escaped, line breaks and other controls dropped to spaces. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (Character.isISOControl(c)) {
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
