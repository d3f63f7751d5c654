/**
 * Text-mode charts drawn into a Lanterna {@link com.googlecode.lanterna.graphics.TextImage}, with no
 * terminal access: the caller decides size, colour mode and where the text goes.
 *
 * <h2>Charts</h2>
 * Each chart takes plain Java data ({@code double[]}, {@code double[][]}, {@code String[]}), is configured
 * with fluent setters, and implements {@link jlens.chart.Chart}:
 * <ul>
 *   <li>{@link jlens.chart.Histogram}: density histogram; one series as eighth-block bars, several as
 *       braille step outlines with a legend; {@code logY}; {@link jlens.chart.ColorBy} colours many series
 *       along a colour map with a colour bar (one curve per layer).</li>
 *   <li>{@link jlens.chart.Heatmap}: matrix with row/column labels (thinned when crowded), numeric x range,
 *       colour bar, fixed or automatic range, masked cells (NaN, -inf), {@code originBottom} for layers;
 *       pools big matrices and says so in the title.</li>
 *   <li>{@link jlens.chart.LinePlot}: series over x with markers, a right y axis, dashed reference lines,
 *       or many series coloured along a map.</li>
 *   <li>{@link jlens.chart.ScatterPlot}: tens of thousands of points, shaded by density where they overlap
 *       (or coloured by value), one highlighted point with its label.</li>
 *   <li>{@link jlens.chart.SmallMultiples}: charts side by side (the Q/K/V heatmaps).</li>
 * </ul>
 *
 * <h2>Rendering and output</h2>
 * {@code chart.render(width, height, style)} returns an image exactly {@code width} columns wide and at most
 * {@code height} rows high (a chart never wraps; 40 to 300 columns are tested). A
 * {@link jlens.chart.RenderStyle} is a {@link jlens.chart.ColorMode} (TRUECOLOR, COLOR256, COLOR16, MONO)
 * plus whether Unicode glyphs may be used; {@link jlens.chart.RenderStyle#detect} picks both from the
 * environment ({@code NO_COLOR}, {@code COLORTERM}, {@code TERM}), a TTY flag, the output charset and a
 * user override ("auto", "truecolor", "256", "16", "mono"). {@link jlens.chart.AnsiEncoder} turns an image into
 * ANSI lines (each starts and ends with a reset; MONO has no escapes) or plain text.
 * Print the lines yourself (e.g. {@code terminal.writer()} or {@code LineReader.printAbove(String)}), not
 * through JLine's {@code AttributedString.toAnsi}, which rewrites box-drawing characters.
 *
 * <pre>{@code
 * RenderStyle style = RenderStyle.detect(System.getenv(), isTty, terminal.encoding(), settings.color());
 * int width = Math.min(terminal.getWidth(), 160) - 1;      // one short of the edge: no auto-wrap surprises
 * Chart chart = new Heatmap(density)                       // double[layers][bins]
 *         .title("Q density, layer x value").rowLabels(layerNames).originBottom(true)
 *         .xRange(-5, 5).range(0, 0.4).colormap(Colormaps.MAGMA).colorLabel("density");
 * terminal.writer().print(chart.toText(width, 24, style));
 * Chart qkv = new Histogram("layer 5").add(Histogram.Series.fromSamples("Q", q, 100, true))
 *         .add(Histogram.Series.fromSamples("K", k, 100, true)).add(Histogram.Series.fromSamples("V", v, 100, true));
 * List<String> lines = qkv.toLines(width, 20, style);      // or AnsiEncoder.lines(chart.render(w, h, style), mode)
 * }</pre>
 *
 * <h2>Colour</h2>
 * {@link jlens.chart.Colormaps} holds magma, inferno, plasma and viridis (CC0, from the BIDS/matplotlib
 * authors) and the categorical series palette. In 256 colours every colour goes through
 * {@link jlens.chart.Xterm256} (CIELAB nearest over indices 16-255), the colour bar included, so the bar shows
 * exactly the colours the cells have. Without colour maps (16 colours, mono) continuous values become shade
 * or ASCII ramps and series keep distinct markers.
 */
package jlens.chart;
