package jlens.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * TransformerLens's weight processing with {@code from_pretrained}'s defaults ({@code process_weights_}: fold_ln,
 * center_writing_weights, center_unembed, fold_value_biases, in that order), on GPT-2's Conv1D layout (a weight is
 * {@code [in, out]}). The result is new arrays owned by the model (never the file's pages); the forward pass is the
 * same, with every LayerNorm's weight 1 and bias 0 (TransformerLens's LayerNormPre: centre and scale only) and an
 * unembedding of its own, {@code W_U} {@code [C, V]} with a bias {@code b_U} {@code [V]}.
 *
 * <p>What each step keeps: folding a LayerNorm's weight and bias into the layer that reads it changes nothing; centring
 * a reading weight over d_model changes nothing (the normalised input has zero mean); centring every writing weight
 * over d_model makes every residual vector mean-free, which LayerNorm's own centring then has nothing to remove;
 * centring W_U and b_U over the vocabulary moves every logit of a position by the same constant (log-probs unchanged);
 * moving the value bias into the output bias changes nothing since attention weights sum to 1. So log-probs match the
 * unprocessed model to float rounding, and the residual stream has zero mean at every position.
 */
final class TlProcessing {
    private TlProcessing() {}

    /** The processed weights of {@code raw}, in {@code into} and {@code raw}'s dtype; {@code raw} is only read. */
    static Gpt2Weights apply(Gpt2Weights raw, Gpt2Config config, NDManager into) {
        DataType type = raw.wte().getDataType();
        int c = config.nEmbd();
        try (NDManager work = into.newSubManager()) {
            NDArray lnFW = f32(raw.lnFW(), work).reshape(c, 1); // [C, 1]
            NDArray lnFB = f32(raw.lnFB(), work); // [C]
            NDArray wU = f32(raw.wte(), work).transpose(); // [C, V], tied: W_U = wte^T, from the embedding before centring
            NDArray bU = lnFB.matMul(wU); // [V], fold_ln: b_U = ln_f.b @ W_U
            wU = wU.mul(lnFW); // [C, V], fold_ln: W_U = diag(ln_f.w) W_U
            wU.subi(wU.mean(new int[] {0}, true)); // [C, V], centred over d_model (reads a LayerNormPre)
            wU.subi(wU.mean(new int[] {1}, true)); // [C, V], center_unembed: over the vocabulary
            bU.subi(bU.mean()); // [V], center_unembed

            List<Gpt2Weights.Block> blocks = new ArrayList<>();
            for (int l = 0; l < config.nLayer(); l++) {
                blocks.add(block(raw.blocks().get(l), c, work));
            }
            NDArray wte = centredRows(f32(raw.wte(), work)); // [V, C], center_writing_weights
            NDArray wpe = centredRows(f32(raw.wpe(), work)); // [P, C], center_writing_weights
            NDArray ones = work.ones(new Shape(c)); // [C], every LayerNorm's weight after fold_ln
            NDArray zeros = work.zeros(new Shape(c)); // [C], and its bias

            List<Gpt2Weights.Block> owned = new ArrayList<>();
            for (Gpt2Weights.Block b : blocks) {
                owned.add(new Gpt2Weights.Block(keep(ones, type, into), keep(zeros, type, into),
                        keep(b.attnW(), type, into), keep(b.attnB(), type, into),
                        keep(b.projW(), type, into), keep(b.projB(), type, into),
                        keep(ones, type, into), keep(zeros, type, into),
                        keep(b.fcW(), type, into), keep(b.fcB(), type, into),
                        keep(b.mlpProjW(), type, into), keep(b.mlpProjB(), type, into)));
            }
            return Gpt2Weights.processed(raw, keep(wte, type, into), keep(wpe, type, into), owned, keep(ones, type, into),
                    keep(zeros, type, into), keep(wU, type, into), keep(bU, type, into), Gpt2Processing.TL);
        }
    }

    /** One block, in float32: ln_1 and ln_2 folded in, writing weights centred, value bias folded into c_proj's bias. */
    private static Gpt2Weights.Block block(Gpt2Weights.Block b, int c, NDManager work) {
        NDArray[] attn = foldLayerNorm(f32(b.ln1W(), work), f32(b.ln1B(), work), f32(b.attnW(), work), f32(b.attnB(), work));
        NDArray[] fc = foldLayerNorm(f32(b.ln2W(), work), f32(b.ln2B(), work), f32(b.fcW(), work), f32(b.fcB(), work));
        NDArray projW = centredRows(f32(b.projW(), work)); // [C, C], W_O centred over its output (d_model)
        NDArray projB = centred(f32(b.projB(), work)); // [C], b_O centred
        NDArray mlpProjW = centredRows(f32(b.mlpProjW(), work)); // [4C, C], W_out centred over d_model
        NDArray mlpProjB = centred(f32(b.mlpProjB(), work)); // [C], b_out centred
        // fold_value_biases: b_O += b_V @ W_O (every head's value bias through its rows of W_O), b_V = 0
        NDArray qkvB = attn[1]; // [3C]
        NDArray valueBias = qkvB.get(new NDIndex("{}:", 2 * c)); // [C], b_V of every head, laid out as z is
        projB = projB.add(valueBias.matMul(projW)); // [C]
        NDArray foldedQkvB = qkvB.get(new NDIndex(":{}", 2 * c)).concat(work.zeros(new Shape(c)), 0); // [3C], b_V = 0
        return new Gpt2Weights.Block(null, null, attn[0], foldedQkvB, projW, projB, null, null, fc[0], fc[1], mlpProjW,
                mlpProjB);
    }

    /**
     * fold_ln into a layer that reads a LayerNorm: {@code b' = b + ln.b @ W}, {@code W' = diag(ln.w) W}, then W' centred
     * over its input (d_model) axis. Returns {W', b'}.
     */
    private static NDArray[] foldLayerNorm(NDArray lnW, NDArray lnB, NDArray w, NDArray b) {
        NDArray bias = b.add(lnB.matMul(w)); // [OUT], with the un-scaled W: biases first
        NDArray weight = w.mul(lnW.reshape(-1, 1)); // [IN, OUT]
        weight.subi(weight.mean(new int[] {0}, true)); // [IN, OUT], centre_weights
        return new NDArray[] {weight, bias};
    }

    /** Each row minus its mean over the last axis (d_model): what a writing weight becomes. */
    private static NDArray centredRows(NDArray x) {
        return x.sub(x.mean(new int[] {1}, true));
    }

    private static NDArray centred(NDArray x) {
        return x.sub(x.mean());
    }

    /**
     * A float32 copy of {@code x} in {@code work}. Always a copy: the original may be the file's pages, unmapped once the
     * raw weights are let go of, and the engine's type conversion to the same type returns a view, not a copy.
     */
    private static NDArray f32(NDArray x, NDManager work) {
        NDArray copy = x.getDataType() == DataType.FLOAT32 ? x.duplicate() : x.toType(DataType.FLOAT32, true);
        copy.attach(work);
        return copy;
    }

    /** A copy of {@code x} (a work array) in the model's dtype, owned by {@code into}. */
    private static NDArray keep(NDArray x, DataType type, NDManager into) {
        NDArray out = x.getDataType() == type ? x.duplicate() : x.toType(type, true);
        out.attach(into);
        return out;
    }
}
