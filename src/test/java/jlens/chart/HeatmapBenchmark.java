package jlens.chart;

import com.googlecode.lanterna.graphics.TextImage;
import java.util.Random;

/**
 * A simple timing, not a test: a 36 x 100 heatmap (gpt2-large layers x value bins) rendered at 120 columns
 * and encoded as 24-bit and 256-colour ANSI. Run with
 * {@code java -cp target/classes:target/test-classes:<lanterna.jar> jlens.chart.HeatmapBenchmark}.
 */
public final class HeatmapBenchmark {
    private HeatmapBenchmark() {}

    public static void main(String[] args) {
        Random random = new Random(1);
        double[][] m = new double[36][100];
        for (double[] row : m) {
            for (int j = 0; j < row.length; j++) {
                row[j] = random.nextDouble() * 0.4;
            }
        }
        String[] layers = Samples.layerLabels(36);
        int warmup = 300;
        int runs = 1000;
        long sink = 0;
        for (int i = 0; i < warmup; i++) {
            sink += once(m, layers, ColorMode.TRUECOLOR);
        }
        for (ColorMode mode : new ColorMode[] {ColorMode.TRUECOLOR, ColorMode.COLOR256}) {
            long start = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                sink += once(m, layers, mode);
            }
            double ms = (System.nanoTime() - start) / 1e6 / runs;
            System.out.printf(java.util.Locale.ROOT, "36x100 heatmap, 120x40 cells, render + %s encode: %.3f ms%n",
                    mode, ms);
        }
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            TextImage image = new Heatmap(m).rowLabels(layers).originBottom(true).xRange(-5, 5).range(0, 0.4)
                    .render(120, 40, RenderStyle.TRUECOLOR);
            sink += image.getSize().getRows();
        }
        System.out.printf(java.util.Locale.ROOT, "render only: %.3f ms (checksum %d)%n",
                (System.nanoTime() - start) / 1e6 / runs, sink);
    }

    private static long once(double[][] m, String[] layers, ColorMode mode) {
        TextImage image = new Heatmap(m).rowLabels(layers).originBottom(true).xRange(-5, 5).range(0, 0.4)
                .render(120, 40, new RenderStyle(mode, true));
        return AnsiEncoder.encode(image, mode).length();
    }
}
