package jlens.corpus;

import ai.djl.ndarray.NDArray;
import java.io.Serializable;
import jlens.hook.HookPoint;
import jlens.model.Gpt2Config;

/**
 * Features of a token computed from one activation: what {@code corpus features} counts and ranks. A feature fires on
 * a token when its value is above 0. MLP neurons ({@link Neurons}) are one kind; a sparse autoencoder's encoder is
 * another. It travels to a cluster's executors, so it is a value (a record of what defines it).
 */
public interface FeatureFunction extends Serializable {
    /** The hook point it reads, laid out {@code [B, T, ...]}. */
    String hook();

    /** How many features, for this model. */
    int features(Gpt2Config config);

    /**
     * The features {@code [B*T, F]} (one row per token, batch-major) of the hook's activation {@code [B, T, ...]}, in
     * the activation's manager.
     */
    NDArray apply(NDArray activation);

    /** What the features are, in a few words ({@code MLP neurons of layer 3}). */
    String describe();

    /** The MLP's neurons of {@code layer}: {@code blocks.L.mlp.hook_post}, each of its 4 d_model values a feature. */
    record Neurons(int layer) implements FeatureFunction {
        @Override
        public String hook() {
            return HookPoint.block(layer, HookPoint.MLP_POST);
        }

        @Override
        public int features(Gpt2Config config) {
            return 4 * config.nEmbd();
        }

        @Override
        public NDArray apply(NDArray activation) {
            long[] s = activation.getShape().getShape();
            return activation.reshape(s[0] * s[1], -1); // [B*T, 4C]
        }

        @Override
        public String describe() {
            return "MLP neurons of layer " + layer;
        }
    }
}
