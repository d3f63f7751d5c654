package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
        return model.weights().finalNorm(x, (float) model.config().layerNormEps());
    }

    /** {@code W_U[:, id]} (GPT-2 ties it to {@code wte[id]}) {@code [C]}, a copy in {@code into}. */
    static NDArray unembedRow(Gpt2 model, NDManager into, long id) {
        return model.weights().tokenRow(id, into); // [C]
    }
}
