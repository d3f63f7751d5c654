/**
 * Figures for papers and slides: {@link jlens.figure.Figures} writes any chart of {@link jlens.chart} as PNG
 * or SVG, with the same data, axes, labels, legend and colour bar, drawn by JFreeChart on a white page
 * (SVG through Batik's SVG Graphics2D), headless. It reads the charts' data descriptions only: no model, no
 * terminal.
 */
package jlens.figure;
