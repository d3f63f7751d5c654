package jlens.figure;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.CubicCurve2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jlens.chart.Background;
import jlens.chart.CircuitDiagram;
import jlens.chart.ColorMode;

/**
 * A circuit as a figure: the input at the top, one row per layer's heads and per layer's MLP, the logits at the
 * bottom; nodes as rounded boxes spread evenly along their row, edges as curves from the sender's bottom to the
 * receiver's top, red (positive) or blue and dashed (negative), their width growing with |score|, the head input
 * they feed ({@code q}, {@code k}, {@code v}) written where they arrive. The strongest {@value #MOST} edges are
 * drawn; the title says when there are more.
 */
final class FigureCircuit implements FigureDrawing {
    static final int MOST = 150;
    private static final Font NODE_FONT = FigureDrawing.font(Font.PLAIN, 12);
    private static final Font SMALL_FONT = FigureDrawing.font(Font.PLAIN, 11);
    private static final Color NODE_FILL = new Color(0xF4F4F4);
    private static final Color MLP_FILL = new Color(0xEAF1F8);
    private static final Color END_FILL = new Color(0xDDDDDD);
    private static final Color OUTLINE = new Color(0x555555);

    private final CircuitDiagram diagram;

    FigureCircuit(CircuitDiagram diagram) {
        this.diagram = diagram;
    }

    @Override
    public void draw(Graphics2D g, Rectangle2D area) {
        List<CircuitDiagram.Edge> edges = diagram.edges().subList(0, Math.min(MOST, diagram.edges().size()));
        String title = diagram.heading(edges.size());
        g.setPaint(Color.BLACK);
        g.setFont(FigurePlots.TITLE_FONT);
        FontMetrics tm = g.getFontMetrics();
        g.drawString(title, (float) (area.getCenterX() - tm.stringWidth(title) / 2.0), (float) (area.getY() + 24));
        g.setFont(SMALL_FONT);
        String legend = "red: positive   blue, dashed: negative   width: |" + diagram.scoreLabel()
                + "|   q k v: the input of the receiving head";
        g.setPaint(Color.DARK_GRAY);
        g.drawString(legend, (float) (area.getCenterX() - g.getFontMetrics().stringWidth(legend) / 2.0),
                (float) (area.getMaxY() - 10));
        if (edges.isEmpty()) {
            return;
        }
        // Rows in forward order, nodes along each row.
        Map<Long, List<CircuitDiagram.Node>> rows = new TreeMap<>();
        Map<String, CircuitDiagram.Node> nodes = new LinkedHashMap<>();
        for (CircuitDiagram.Edge e : edges) {
            nodes.putIfAbsent(e.from().name(), e.from());
            nodes.putIfAbsent(e.to().name(), e.to());
        }
        for (CircuitDiagram.Node n : nodes.values()) {
            rows.computeIfAbsent(n.order(), k -> new ArrayList<>()).add(n);
        }
        double top = area.getY() + 50;
        double bottom = area.getMaxY() - 40;
        double left = area.getX() + 20;
        double width = area.getWidth() - 40;
        int nRows = rows.size();
        double rowStep = nRows > 1 ? (bottom - top) / (nRows - 1) : 0;
        g.setFont(NODE_FONT);
        FontMetrics fm = g.getFontMetrics();
        double boxH = Math.min(24, Math.max(14, rowStep * 0.4));
        Map<String, Rectangle2D> boxes = new LinkedHashMap<>();
        int r = 0;
        for (List<CircuitDiagram.Node> row : rows.values()) {
            row.sort(Comparator.comparingInt(CircuitDiagram.Node::head));
            double y = nRows > 1 ? top + r * rowStep : (top + bottom) / 2;
            for (int i = 0; i < row.size(); i++) {
                CircuitDiagram.Node n = row.get(i);
                double cx = left + width * (i + 0.5) / row.size();
                double w = fm.stringWidth(n.name()) + 16;
                if (n.kind() == CircuitDiagram.Kind.INPUT || n.kind() == CircuitDiagram.Kind.LOGITS) {
                    w = Math.max(w, width * 0.5);
                }
                boxes.put(n.name(), new Rectangle2D.Double(cx - w / 2, y - boxH / 2, w, boxH));
            }
            r++;
        }
        double strongest = 0;
        for (CircuitDiagram.Edge e : edges) {
            strongest = Math.max(strongest, Math.abs(e.score()));
        }
        // Ports: where each edge leaves and enters, spread along the box edges in the order of the other end.
        Map<CircuitDiagram.Edge, double[]> ends = new LinkedHashMap<>();
        for (Map.Entry<String, Rectangle2D> b : boxes.entrySet()) {
            List<CircuitDiagram.Edge> in = new ArrayList<>();
            List<CircuitDiagram.Edge> out = new ArrayList<>();
            for (CircuitDiagram.Edge e : edges) {
                if (e.to().name().equals(b.getKey())) {
                    in.add(e);
                }
                if (e.from().name().equals(b.getKey())) {
                    out.add(e);
                }
            }
            in.sort(Comparator.comparingDouble(e -> boxes.get(e.from().name()).getCenterX()));
            out.sort(Comparator.comparingDouble(e -> boxes.get(e.to().name()).getCenterX()));
            Rectangle2D box = b.getValue();
            for (int i = 0; i < in.size(); i++) {
                ends.computeIfAbsent(in.get(i), k -> new double[4])[2] = box.getX() + box.getWidth() * (i + 1) / (in.size() + 1);
                ends.get(in.get(i))[3] = box.getY();
            }
            for (int i = 0; i < out.size(); i++) {
                ends.computeIfAbsent(out.get(i), k -> new double[4])[0] = box.getX() + box.getWidth() * (i + 1) / (out.size() + 1);
                ends.get(out.get(i))[1] = box.getMaxY();
            }
        }
        for (int i = edges.size() - 1; i >= 0; i--) { // weakest first: the strong ones on top
            CircuitDiagram.Edge e = edges.get(i);
            double[] p = ends.get(e);
            float stroke = (float) (strongest > 0 ? 0.6 + 4.4 * Math.abs(e.score()) / strongest : 1);
            Color c = new Color(CircuitDiagram.signColour(e.score(), Background.LIGHT, ColorMode.TRUECOLOR));
            g.setPaint(c);
            g.setStroke(e.score() < 0
                    ? new BasicStroke(stroke, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, new float[] {6, 4}, 0)
                    : new BasicStroke(stroke, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            double dy = (p[3] - p[1]) * 0.45;
            // An edge that skips rows bows out to the side, so it does not run behind the boxes between.
            double bend = rowStep > 0 ? Math.max(0, Math.round((p[3] - p[1]) / rowStep) - 1) : 0;
            double side = bend * 45 * (i % 2 == 0 ? 1 : -1);
            g.draw(new CubicCurve2D.Double(p[0], p[1], p[0] + side, p[1] + dy, p[2] + side, p[3] - dy, p[2], p[3] - 5));
            Path2D head = new Path2D.Double();
            head.moveTo(p[2] - 4, p[3] - 7);
            head.lineTo(p[2] + 4, p[3] - 7);
            head.lineTo(p[2], p[3]);
            head.closePath();
            g.fill(head);
            if (e.input() != ' ') {
                g.setFont(SMALL_FONT);
                g.drawString(String.valueOf(e.input()), (float) (p[2] + 4), (float) (p[3] - 6));
            }
        }
        g.setStroke(new BasicStroke(1f));
        g.setFont(NODE_FONT);
        for (Map.Entry<String, Rectangle2D> b : boxes.entrySet()) {
            CircuitDiagram.Node n = nodes.get(b.getKey());
            Rectangle2D box = b.getValue();
            RoundRectangle2D shape = new RoundRectangle2D.Double(box.getX(), box.getY(), box.getWidth(), box.getHeight(), 8, 8);
            g.setPaint(switch (n.kind()) {
                case INPUT, LOGITS -> END_FILL;
                case MLP -> MLP_FILL;
                case ATTENTION -> NODE_FILL;
            });
            g.fill(shape);
            g.setPaint(OUTLINE);
            g.draw(shape);
            g.setPaint(Color.BLACK);
            g.drawString(n.name(), (float) (box.getCenterX() - fm.stringWidth(n.name()) / 2.0),
                    (float) (box.getCenterY() + fm.getAscent() / 2.0 - 2));
        }
    }
}
