package jlens.intervene;

/**
 * One patched activation.
 *
 * @param layer the layer
 * @param head the head, or -1 for the residual-stream-sized points
 * @param position the position, or -1 for a head at every position
 */
public record PatchCell(int layer, int head, int position) {}
