package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import jlens.model.Gpt2;

/**
 * The model's final LayerNorm and unembedding columns, for analyses that read logits from a residual stream
 * outside the forward pass (metrics of patched runs, the logit lens, direct logit attribution).
 */
final class MetricUnembedding {
    private MetricUnembedding() {}

    /**
     * The full final LayerNorm of {@code x} {@code [..., C]}, each row with its own mean and variance, then
     * {@code ln_f}'s weight and bias: what the model applies to its last residual. Made in {@code x}'s manager.
     */
    static NDArray finalNorm(Gpt2 model, NDArray x) {
        return x.getNDArrayInternal()
                .layerNorm(x, new Shape(model.config().nEmbd()), model.weights().lnFW(), model.weights().lnFB(),
                        (float) model.config().layerNormEps())
                .get(0);
    }

    /** {@code W_U[:, id]} (GPT-2 ties it to {@code wte[id]}) {@code [C]}, a copy in {@code into}. */
    static NDArray unembedRow(Gpt2 model, NDManager into, long id) {
        NDArray row = model.weights().wte().get(into, new ai.djl.ndarray.index.NDIndex("{}", id)); // [C]
        row.attach(into);
        return row;
    }
}
