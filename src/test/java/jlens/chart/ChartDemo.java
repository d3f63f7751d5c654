package jlens.chart;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Prints every sample chart, for looking at them in a real terminal (not a test).
 *
 * <p>Arguments: colour mode (truecolor, 256, 16, mono, ascii, ascii256 ...), width, height, and optionally
 * chart names; {@code -Djlens.background=light} draws for a light background.
 */
public final class ChartDemo {
    private ChartDemo() {}

    public static void main(String[] args) {
        String modeName = args.length > 0 ? args[0] : "truecolor";
        int width = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int height = args.length > 2 ? Integer.parseInt(args[2]) : 24;
        boolean ascii = modeName.startsWith("ascii");
        String colour = ascii ? modeName.substring(5) : modeName;
        RenderStyle style = new RenderStyle(colour.isEmpty() ? ColorMode.MONO
                : ColorMode.parse(colour).orElse(ColorMode.TRUECOLOR), !ascii,
                Background.parse(System.getProperty("jlens.background", "dark")).orElse(Background.DARK));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Map<String, Chart> charts = new java.util.LinkedHashMap<>(Samples.all());
        charts.putAll(Samples.extra());
        for (Map.Entry<String, Chart> e : charts.entrySet()) {
            if (args.length > 3 && !java.util.Arrays.asList(args).subList(3, args.length).contains(e.getKey())) {
                continue;
            }
            out.println("== " + e.getKey() + " (" + width + "x" + height + ", " + modeName + ")");
            out.print(e.getValue().toText(width, height, style));
        }
    }
}
