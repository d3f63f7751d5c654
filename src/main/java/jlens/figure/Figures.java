package jlens.figure;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import jlens.chart.Chart;
import jlens.sys.AtomicWriter;
import org.apache.batik.svggen.SVGGraphics2D;
import org.w3c.dom.Document;

/**
 * Writes a chart as a figure for a paper or a slide: PNG or SVG with the chart's data, axes, labels, legend
 * and colour bar, drawn by JFreeChart on a white page (SVG through Batik's SVG Graphics2D). Needs no display:
 * it runs headless, over SSH.
 *
 * <pre>{@code
 * Figures.write(chart, Path.of("ablation.svg"));   // the format follows the extension
 * }</pre>
 */
public final class Figures {
    /** The file formats. */
    public enum Format {
        PNG,
        SVG;

        /** The format of a file name's extension, or null when it is neither .png nor .svg. */
        public static Format of(String fileName) {
            String name = fileName.toLowerCase(Locale.ROOT);
            return name.endsWith(".png") ? PNG : name.endsWith(".svg") ? SVG : null;
        }
    }

    /** The default figure size in points (SVG) or pixels before the PNG scale. */
    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;
    /** PNG pixels per point: sharp on a slide or in print. */
    public static final int PNG_SCALE = 2;

    static {
        // JFreeChart's old workaround draws rotated labels (y axis, colour bar) through a TextLayout, which an
        // SVG Graphics2D turns into nothing searchable or nothing at all; Java 17 draws rotated strings right.
        org.jfree.chart.text.TextUtils.setUseDrawRotatedStringWorkaround(false);
    }

    private Figures() {}

    /** Writes {@code chart} to {@code file} as PNG or SVG by its extension, at the default size. */
    public static void write(Chart chart, Path file) throws IOException {
        Format format = Format.of(file.getFileName().toString());
        if (format == null) {
            throw new IllegalArgumentException("a figure is .png or .svg, not " + file.getFileName());
        }
        AtomicWriter.write(file, out -> write(chart, format, WIDTH, HEIGHT, out));
    }

    /** Writes {@code chart} in {@code format}, {@code width} x {@code height} points, to {@code out}. */
    public static void write(Chart chart, Format format, int width, int height, OutputStream out) throws IOException {
        FigureDrawing drawing = FigureDrawing.of(chart);
        if (format == Format.PNG) {
            BufferedImage image = new BufferedImage(width * PNG_SCALE, height * PNG_SCALE, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            try {
                g.scale(PNG_SCALE, PNG_SCALE);
                paint(g, drawing, width, height);
            } finally {
                g.dispose();
            }
            out.write(png(image));
        } else {
            SVGGraphics2D g = new SVGGraphics2D(newSvgDocument());
            g.setSVGCanvasSize(new java.awt.Dimension(width, height));
            paint(g, drawing, width, height);
            Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            g.stream(writer, true);
            writer.flush();
        }
    }

    /**
     * The image as PNG bytes, encoded in memory: ImageIO's default stream caches on disk in Java's temporary folder
     * (a save then failed when that folder was unusable), and its errors hide the disk's own ("I/O error writing
     * PNG file!" for a full disk). Written afterwards, the bytes meet the disk's errors as they are.
     */
    static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream memory = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(memory);
            writer.write(image);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static void paint(Graphics2D g, FigureDrawing drawing, int width, int height) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setPaint(Color.WHITE);
        g.fill(new Rectangle2D.Double(0, 0, width, height));
        drawing.draw(g, new Rectangle2D.Double(0, 0, width, height));
    }

    private static Document newSvgDocument() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            return factory.newDocumentBuilder().getDOMImplementation()
                    .createDocument("http://www.w3.org/2000/svg", "svg", null);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("no XML DOM in this Java runtime", e);
        }
    }
}
