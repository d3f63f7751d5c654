package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The circuit drawing: EAP-IG's names read strictly, every drawn edge visible where it should be, pages, DOT. */
class CircuitDiagramTest {
    @Test
    void readsEapIgNamesAndRanksByMagnitude() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("input->a0.h1<q>", 0.1);
        m.put("a0.h1->a1.h2<k>", -3.0);
        m.put("a0.h1->m0", 2.0);
        m.put("m0->logits", 0.5);
        m.put("input->a1.h0", 0.2); // a head's input without q/k/v: accepted
        CircuitDiagram d = new CircuitDiagram(m);
        List<String> names = d.edges().stream().map(CircuitDiagram.Edge::name).toList();
        assertEquals(List.of("a0.h1->a1.h2<k>", "a0.h1->m0", "m0->logits", "input->a1.h0", "input->a0.h1<q>"), names);
        CircuitDiagram.Edge k = d.edges().get(0);
        assertEquals('k', k.input());
        assertEquals(CircuitDiagram.Kind.ATTENTION, k.to().kind());
        assertEquals(1, k.to().layer());
        assertEquals(2, k.to().head());
        assertEquals(' ', d.edges().get(1).input());
        assertEquals(CircuitDiagram.Kind.MLP, d.edges().get(1).to().kind());
    }

    @Test
    void refusesWhatIsNotAnEdgeInOneLine() {
        for (String bad : new String[] {"a1.h0->a0.h1<q>", "a0.h0->a0.h1<q>", "m1->a1.h0<q>", "a0.h0->m0<q>",
            "logits->m0", "m0->input", "a0.h1", "x->logits", "a0.h1->a1.h2<z>", "a0.h1 -> logits", "a0.h1->a1.h2<k"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new CircuitDiagram(Map.of(bad, 1.0)), bad);
            assertTrue(e.getMessage().startsWith("edge '" + bad + "'"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new CircuitDiagram(Map.of("m0->logits", Double.NaN)));
        assertThrows(IllegalArgumentException.class,
                () -> new CircuitDiagram(Map.of("m0->logits\u001b[2J", 1.0)));
        // An attention node may feed its own layer's MLP, an MLP the next layer's heads.
        new CircuitDiagram(Map.of("a3.h1->m3", 1.0, "m3->a4.h0<v>", 1.0, "input->logits", 1.0));
    }

    @Test
    void everyDrawnEdgeEndsAboveItsReceiverWithItsInputLetter() {
        CircuitDiagram d = Samples.ioiCircuit();
        List<String> lines = AnsiEncoder.plainLines(d.render(80, 24, RenderStyle.MONO));
        assertTrue(lines.get(0).contains("IOI-like circuit (12 edges)"), lines.get(0));
        // Every head's box, with its q/k/v letters on the row above it, as many as edges feed that input.
        Pattern box = Pattern.compile("\\[(a\\d+\\.h\\d+|m\\d+)\\]");
        int boxes = 0;
        for (int y = 0; y < lines.size(); y++) {
            Matcher m = box.matcher(lines.get(y));
            while (m.find()) {
                boxes++;
                String node = m.group(1);
                String above = lines.get(y - 1).substring(m.start(), m.end());
                for (char input : new char[] {'q', 'k', 'v'}) {
                    long expected = d.edges().stream().filter(e -> e.to().name().equals(node) && e.input() == input).count();
                    assertEquals(expected, above.chars().filter(c -> c == input).count(), node + " " + input + ": " + above);
                }
                long arrows = d.edges().stream().filter(e -> e.to().name().equals(node) && e.input() == ' ').count();
                assertEquals(arrows, above.chars().filter(c -> c == '\u25bc').count(), node + ": " + above);
            }
        }
        assertEquals(6, boxes, String.join("\n", lines)); // a0.h1 a0.h2 m0 a1.h1 a1.h2 a2.h0
        // Two edges into the logits: two arrow heads over its bar, two junctions in it.
        int logits = lines.size() - 1;
        assertTrue(lines.get(logits).startsWith("logits"), lines.get(logits));
        assertEquals(2, lines.get(logits).chars().filter(c -> c == '\u253b').count());
        assertEquals(2, lines.get(logits - 1).chars().filter(c -> c == '\u25bc').count());
        // Negative edges are dashed, positive ones solid; the strongest half heavy.
        String all = String.join("\n", lines);
        assertTrue(all.contains("\u254e") || all.contains("\u254c"), "no dashed (negative) line");
        assertTrue(all.contains("\u2503") && all.contains("\u2501"), "no heavy (strong) line");
        // The edge list names every edge with its score.
        for (CircuitDiagram.Edge e : d.edges()) {
            assertTrue(all.contains(CircuitDiagram.format(e.score()) + " " + e.name()), e.name());
        }
    }

    @Test
    void colourShowsTheSign() {
        CircuitDiagram d = new CircuitDiagram(Map.of("a0.h0->logits", 1.0, "a0.h1->logits", -1.0));
        for (Background bg : Background.values()) {
            String ansi = d.toText(80, 24, new RenderStyle(ColorMode.TRUECOLOR, true, bg));
            for (double s : new double[] {1, -1}) {
                int rgb = CircuitDiagram.signColour(s, bg, ColorMode.TRUECOLOR);
                assertTrue(ansi.contains("38;2;" + (rgb >> 16 & 0xFF) + ";" + (rgb >> 8 & 0xFF) + ";" + (rgb & 0xFF)),
                        bg + " " + s);
                assertTrue(Contrast.against(rgb, ColorMode.COLOR256, bg) >= Contrast.MIN);
            }
        }
        assertTrue(CircuitDiagram.signColour(1, Background.DARK, ColorMode.TRUECOLOR)
                != CircuitDiagram.signColour(-1, Background.DARK, ColorMode.TRUECOLOR));
    }

    @Test
    void aLargeCircuitShowsItsStrongestEdgesAndPagesThroughTheRest() {
        CircuitDiagram d = Samples.largeCircuit();
        int fit = d.fitting(80, 24, RenderStyle.TRUECOLOR);
        assertTrue(fit >= 3 && fit < d.total(), "fit " + fit);
        String first = AnsiEncoder.plainLines(d.render(80, 24, RenderStyle.MONO)).get(0);
        assertTrue(first.contains("strongest " + fit + " of 70 edges"), first);
        List<CircuitDiagram> pages = d.pages(80, 24, RenderStyle.TRUECOLOR);
        int covered = 0;
        List<String> seen = new ArrayList<>();
        for (CircuitDiagram p : pages) {
            assertEquals(covered, p.firstRank());
            assertEquals(70, p.total());
            // Each page fits whole: its own drawing shows every one of its edges.
            assertEquals(p.edges().size(), p.fitting(80, 24, RenderStyle.TRUECOLOR), "page at " + covered);
            covered += p.edges().size();
            p.edges().forEach(e -> seen.add(e.name()));
        }
        assertEquals(70, covered);
        assertEquals(d.edges().stream().map(CircuitDiagram.Edge::name).toList(), seen);
        String second = AnsiEncoder.plainLines(pages.get(1).render(80, 24, RenderStyle.MONO)).get(0);
        assertTrue(second.contains("edges " + (pages.get(0).edges().size() + 1) + "-"), second);
        List<CircuitDiagram> fixed = d.pages(12);
        assertEquals(6, fixed.size());
        assertEquals(10, fixed.get(5).edges().size());
        assertEquals(60, fixed.get(5).firstRank());
    }

    @Test
    void anEmptyCircuitSaysSo() {
        String text = new CircuitDiagram(Map.of()).toText(60, 10, RenderStyle.MONO);
        assertTrue(text.contains("circuit: no edges"), text);
        assertEquals(1, new CircuitDiagram(Map.of()).pages(80, 24, RenderStyle.MONO).size());
    }

    @Test
    void dotHasEveryEdgeWithItsColourWidthAndInput() {
        CircuitDiagram d = Samples.ioiCircuit().title("IOI \"like\"");
        String dot = d.toDot();
        assertTrue(dot.startsWith("digraph circuit {\n") && dot.endsWith("}\n"), dot);
        assertTrue(dot.contains("label=\"IOI \\\"like\\\"\""), dot);
        Pattern edge = Pattern.compile("  \"([^\"]+)\" -> \"([^\"]+)\" \\[color=\"#([0-9A-F]{6})\", penwidth=([0-9.]+)(, style=dashed)?"
                + "(?:, headlabel=\"([qkv])\")?.*tooltip=\"([^\"]+) ");
        Matcher m = edge.matcher(dot);
        int n = 0;
        double widest = 0;
        while (m.find()) {
            n++;
            String name = m.group(7);
            CircuitDiagram.Edge e = d.edges().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            assertEquals(e.from().name(), m.group(1));
            assertEquals(e.to().name(), m.group(2));
            assertEquals(CircuitDiagram.signColour(e.score(), Background.LIGHT, ColorMode.TRUECOLOR),
                    Integer.parseInt(m.group(3), 16));
            assertEquals(e.score() < 0, m.group(5) != null, name);
            assertEquals(e.input() == ' ' ? null : String.valueOf(e.input()), m.group(6), name);
            double width = Double.parseDouble(m.group(4));
            if (Math.abs(e.score()) == Math.abs(d.edges().get(0).score())) {
                widest = width;
            }
            assertTrue(width <= 5.0 + 1e-9 && width > 0.6, name + " " + width);
        }
        assertEquals(12, n, dot);
        assertEquals(5.0, widest, 1e-9);
        // Every node in a rank of its row.
        assertTrue(dot.contains("{ rank=same; \"a0.h1\" [fillcolor=\"#F4F4F4\"]; \"a0.h2\" [fillcolor=\"#F4F4F4\"]; }"), dot);
    }
}
