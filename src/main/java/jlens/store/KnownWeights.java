package jlens.store;

import java.util.Arrays;
import jlens.model.SafetensorsWriter;

/**
 * The known-answer model's tensors while they are set by hand, in GPT-2's Conv1D layout ({@code [in, out]}), with
 * one setter per kind of connection so that a circuit reads as "head h's query reads coordinate i". Everything
 * starts at zero (LayerNorm weights at one): an unwired head attends uniformly and writes nothing, an MLP adds
 * nothing.
 */
final class KnownWeights {
    final int c;
    final int nLayer;
    final int nHead;
    final int dHead;
    final int nPositions;
    final float[] wpe; // [P, C]
    final float[] lnFW; // [C]
    final float[] lnFB; // [C]
    private final Block[] blocks;

    /** One block's parameters. */
    static final class Block {
        final float[] ln1W;
        final float[] ln1B;
        final float[] attnW; // [C, 3C]: query, key, value columns, each [NH * HS]
        final float[] attnB; // [3C]
        final float[] projW; // [C, C]: rows are head h's output dimensions h*HS..
        final float[] projB;
        final float[] ln2W;
        final float[] ln2B;
        final float[] fcW; // [C, 4C]
        final float[] fcB;
        final float[] mlpProjW; // [4C, C]
        final float[] mlpProjB;

        Block(int c) {
            ln1W = ones(c);
            ln1B = new float[c];
            attnW = new float[c * 3 * c];
            attnB = new float[3 * c];
            projW = new float[c * c];
            projB = new float[c];
            ln2W = ones(c);
            ln2B = new float[c];
            fcW = new float[c * 4 * c];
            fcB = new float[4 * c];
            mlpProjW = new float[4 * c * c];
            mlpProjB = new float[c];
        }
    }

    KnownWeights(int nLayer, int nHead, int c, int nPositions) {
        this.c = c;
        this.nLayer = nLayer;
        this.nHead = nHead;
        this.dHead = c / nHead;
        this.nPositions = nPositions;
        this.wpe = new float[nPositions * c];
        this.lnFW = ones(c);
        this.lnFB = new float[c];
        this.blocks = new Block[nLayer];
        for (int l = 0; l < nLayer; l++) {
            blocks[l] = new Block(c);
        }
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    /** Head {@code head}'s query dimension {@code dim} reads residual coordinate {@code from} with weight w. */
    void query(int layer, int head, int dim, int from, double w) {
        attn(layer, from, 0, head, dim, w);
    }

    void key(int layer, int head, int dim, int from, double w) {
        attn(layer, from, 1, head, dim, w);
    }

    void value(int layer, int head, int dim, int from, double w) {
        attn(layer, from, 2, head, dim, w);
    }

    /** A constant in head {@code head}'s query dimension {@code dim}, whatever the position holds. */
    void queryBias(int layer, int head, int dim, double b) {
        blocks[layer].attnB[column(0, head, dim)] += (float) b;
    }

    void valueBias(int layer, int head, int dim, double b) {
        blocks[layer].attnB[column(2, head, dim)] += (float) b;
    }

    /** Head {@code head}'s output dimension {@code dim} (its z) writes into residual coordinate {@code to}. */
    void output(int layer, int head, int dim, int to, double w) {
        blocks[layer].projW[(head * dHead + dim) * c + to] += (float) w;
    }

    private void attn(int layer, int from, int part, int head, int dim, double w) {
        blocks[layer].attnW[from * 3 * c + column(part, head, dim)] += (float) w;
    }

    private int column(int part, int head, int dim) {
        if (dim < 0 || dim >= dHead) {
            throw new IllegalArgumentException("head dimension " + dim + " is outside 0.." + (dHead - 1));
        }
        return part * c + head * dHead + dim;
    }

    /** Every tensor but {@code wte} (given already as F16 bytes), in Hugging Face's key order. */
    void addTo(SafetensorsWriter out, byte[] wteF16, int vocab) {
        out.add("wte.weight", "F16", new long[] {vocab, c}, wteF16);
        out.addF16("wpe.weight", new long[] {nPositions, c}, wpe);
        for (int l = 0; l < nLayer; l++) {
            Block b = blocks[l];
            String h = "h." + l + ".";
            out.addF16(h + "ln_1.weight", new long[] {c}, b.ln1W);
            out.addF16(h + "ln_1.bias", new long[] {c}, b.ln1B);
            out.addF16(h + "attn.c_attn.weight", new long[] {c, 3L * c}, b.attnW);
            out.addF16(h + "attn.c_attn.bias", new long[] {3L * c}, b.attnB);
            out.addF16(h + "attn.c_proj.weight", new long[] {c, c}, b.projW);
            out.addF16(h + "attn.c_proj.bias", new long[] {c}, b.projB);
            out.addF16(h + "ln_2.weight", new long[] {c}, b.ln2W);
            out.addF16(h + "ln_2.bias", new long[] {c}, b.ln2B);
            out.addF16(h + "mlp.c_fc.weight", new long[] {c, 4L * c}, b.fcW);
            out.addF16(h + "mlp.c_fc.bias", new long[] {4L * c}, b.fcB);
            out.addF16(h + "mlp.c_proj.weight", new long[] {4L * c, c}, b.mlpProjW);
            out.addF16(h + "mlp.c_proj.bias", new long[] {c}, b.mlpProjB);
        }
        out.addF16("ln_f.weight", new long[] {c}, lnFW);
        out.addF16("ln_f.bias", new long[] {c}, lnFB);
    }
}
