package jlens.figure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import jlens.chart.Background;
import jlens.chart.Chart;
import jlens.chart.CircuitDiagram;
import jlens.chart.ColorMode;
import jlens.chart.ColorBy;
import jlens.chart.Colormaps;
import jlens.chart.Heatmap;
import jlens.chart.Histogram;
import jlens.chart.LinePlot;
import jlens.chart.ScatterPlot;
import jlens.chart.SmallMultiples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** Every chart kind written as PNG and SVG, read back: size, data colours, title text, well-formed XML. */
class FiguresTest {
    @TempDir
    Path dir;

    static double[] gaussian(long seed, int n, double mean, double std) {
        Random r = new Random(seed);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = mean + std * r.nextGaussian();
        }
        return out;
    }

    /** Each chart with the colours its figure must show. */
    static Map<String, Object[]> charts() {
        Map<String, Object[]> charts = new LinkedHashMap<>();
        Histogram qkv = new Histogram("layer 5: Q, K, V density").xLabel("value").yLabel("density")
                .add(Histogram.Series.fromSamples("Q", gaussian(1, 4000, 0, 1), 60, true))
                .add(Histogram.Series.fromSamples("K", gaussian(2, 4000, 0.5, 1.4), 60, true))
                .add(Histogram.Series.fromSamples("V", gaussian(3, 4000, -0.2, 0.5), 60, true));
        charts.put("histogram", new Object[] {qkv, new int[] {series(0), series(1), series(2)}});
        Histogram perLayer = new Histogram("QK^T density, one curve per layer").xLabel("score").yLabel("density")
                .logY(true).colorBy(new ColorBy(Colormaps.MAGMA, 0, 11, "layer"));
        for (int l = 0; l < 12; l++) {
            perLayer.add(Histogram.Series.fromSamples("layer " + l, gaussian(10 + l, 3000, -3 * l, 2 + l), 40, -60, 20, true).at(l));
        }
        charts.put("histogram-colorby", new Object[] {perLayer, new int[] {Colormaps.readable(Colormaps.MAGMA, Background.LIGHT).low()}});
        double[][] change = new double[12][12];
        for (int l = 0; l < 12; l++) {
            for (int h = 0; h < 12; h++) {
                change[l][h] = 0.02 * Math.sin(l * 12 + h);
            }
        }
        change[9][6] = -1.5;
        change[10][7] = 1.5;
        Heatmap grid = new Heatmap(change).title("change in log P(' Paris') with one head zeroed").xLabel("head")
                .yLabel("layer").colorLabel("change").originBottom(true).diverging(0, "clean -2.05");
        charts.put("heatmap-diverging", new Object[] {grid, new int[] {Colormaps.COOLWARM.low(), Colormaps.COOLWARM.high()}});
        LinePlot stats = new LinePlot("mean and std of QK^T by layer").xLabel("layer").yLabel("mean").rightLabel("std")
                .add(LinePlot.Series.overIndex("mean", new double[] {-3, -4, -6, -5, -7, -8}))
                .add(LinePlot.Series.overIndex("std", new double[] {1, 1.5, 2, 2.4, 2.2, 3}).onRightAxis())
                .referenceLine("clean", -5);
        charts.put("line", new Object[] {stats, new int[] {series(0), series(1)}});
        double[] lp = gaussian(5, 20000, -12, 2.5);
        lp[100] = -1.2;
        lp[9000] = -2.0;
        ScatterPlot scatter = new ScatterPlot("log-softmax at position -2", lp).xLabel("token id").yLabel("log-prob")
                .colorByValue(Colormaps.MAGMA).highlight(100, "' Paris'").label(9000, "' the'");
        charts.put("scatter", new Object[] {scatter, new int[] {Colormaps.highlight(Background.LIGHT)}});
        SmallMultiples multiples = new SmallMultiples("Q, K, V density by layer");
        for (String p : new String[] {"Q", "K", "V"}) {
            double[][] d = new double[6][30];
            for (int l = 0; l < 6; l++) {
                for (int b = 0; b < 30; b++) {
                    d[l][b] = Math.exp(-Math.pow((b - 15) / (2.0 + l), 2));
                }
            }
            multiples.add(new Heatmap(d).title(p).xRange(-5, 5).range(0, 1).originBottom(true).colorLabel("density"));
        }
        charts.put("multiples", new Object[] {multiples, new int[] {Colormaps.MAGMA.high()}});
        Map<String, Double> edges = new LinkedHashMap<>();
        edges.put("input->a0.h1<v>", 0.4);
        edges.put("a0.h1->a1.h2<k>", 1.9);
        edges.put("a0.h1->m0", -0.7);
        edges.put("m0->a1.h2<q>", 0.3);
        edges.put("a1.h2->logits", 2.4);
        CircuitDiagram circuit = new CircuitDiagram(edges).title("induction circuit").scoreLabel("logit diff");
        charts.put("circuit", new Object[] {circuit, new int[] {
            CircuitDiagram.signColour(1, Background.LIGHT, ColorMode.TRUECOLOR),
            CircuitDiagram.signColour(-1, Background.LIGHT, ColorMode.TRUECOLOR)}});
        return charts;
    }

    static int series(int i) {
        return Colormaps.categorical(i, Background.LIGHT);
    }

    @Test
    void pngHasTheSizeAndTheDataColours() throws Exception {
        for (Map.Entry<String, Object[]> e : charts().entrySet()) {
            Path file = dir.resolve(e.getKey() + ".png");
            Figures.write((Chart) e.getValue()[0], file);
            BufferedImage image = ImageIO.read(file.toFile());
            assertEquals(Figures.WIDTH * Figures.PNG_SCALE, image.getWidth(), e.getKey());
            assertEquals(Figures.HEIGHT * Figures.PNG_SCALE, image.getHeight(), e.getKey());
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    colours.add(image.getRGB(x, y) & 0xFFFFFF);
                }
            }
            for (int rgb : (int[]) e.getValue()[1]) {
                assertTrue(colours.contains(rgb), e.getKey() + ": no pixel of #" + Integer.toHexString(rgb));
            }
            assertTrue(colours.contains(0xFFFFFF), e.getKey() + ": a white page");
            if (Boolean.getBoolean("jlens.keepFigures")) {
                Files.copy(file, Path.of("target", e.getKey() + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void svgIsWellFormedAndCarriesTheTitleAsText() throws Exception {
        for (Map.Entry<String, Object[]> e : charts().entrySet()) {
            Chart chart = (Chart) e.getValue()[0];
            Path file = dir.resolve(e.getKey() + ".svg");
            Figures.write(chart, file);
            byte[] bytes = Files.readAllBytes(file);
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
            assertEquals("svg", doc.getDocumentElement().getLocalName(), e.getKey());
            NodeList texts = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < texts.getLength(); i++) {
                all.append(texts.item(i).getTextContent()).append('\n');
            }
            String title = chart instanceof SmallMultiples m ? m.title() : titleOf(chart);
            assertTrue(all.toString().contains(title), e.getKey() + ": title missing from the SVG text");
            String svg = new String(bytes, StandardCharsets.UTF_8);
            for (int rgb : (int[]) e.getValue()[1]) {
                String css = "rgb(" + (rgb >> 16 & 0xFF) + "," + (rgb >> 8 & 0xFF) + "," + (rgb & 0xFF) + ")";
                assertTrue(svg.contains(css), e.getKey() + ": no " + css + " in the SVG");
            }
        }
    }

    @Test
    void diverginCentreIsNamedAndUnknownExtensionsAreRefused() throws Exception {
        Chart grid = (Chart) charts().get("heatmap-diverging")[0];
        Path file = dir.resolve("grid.svg");
        Figures.write(grid, file);
        assertTrue(Files.readString(file).contains("0 = clean -2.05"));
        assertThrows(IllegalArgumentException.class, () -> Figures.write(grid, dir.resolve("grid.pdf")));
    }

    private static String titleOf(Chart chart) {
        if (chart instanceof Histogram h) {
            return h.title();
        } else if (chart instanceof Heatmap h) {
            return h.title();
        } else if (chart instanceof LinePlot p) {
            return p.title();
        } else if (chart instanceof CircuitDiagram c) {
            return c.title();
        }
        return ((ScatterPlot) chart).title();
    }
}
