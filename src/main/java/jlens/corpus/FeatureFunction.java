package jlens.corpus;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import java.io.Serializable;
import java.nio.file.Path;
import jlens.hook.HookPoint;
import jlens.model.Gpt2Config;
import jlens.sae.Sae;

/**
 * Features of a token computed from one activation: what {@code corpus features} counts and ranks. A feature fires on
 * a token when its value is above 0. MLP neurons ({@link Neurons}) are one kind; a sparse autoencoder's encoder
 * ({@link SaeEncoder}) is another. It travels to a cluster's executors, so it is a value (what defines it).
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

    /**
     * A sparse autoencoder's features: {@link Sae#encode} on the rows {@link Sae#input} reads from its hook (one head's z,
     * z flattened, or the activation as it is), exactly what the SAE studies compute for one text. It travels as its
     * SAELens folder (a path every executor sees) and is bound to an SAE loaded there ({@link #on}) before it runs;
     * in this process it is made bound, from the loaded SAE.
     */
    final class SaeEncoder implements FeatureFunction {
        private static final long serialVersionUID = 1L;
        private final String dir; // the SAELens folder, or null for an SAE made in Java (then it cannot travel)
        private final String name;
        private final double normScale;
        private final String hook;
        private final int features;
        private final String describe;
        private final transient Sae sae;

        private SaeEncoder(String dir, String name, double normScale, String hook, int features, String describe, Sae sae) {
            this.dir = dir;
            this.name = name;
            this.normScale = normScale;
            this.hook = hook;
            this.features = features;
            this.describe = describe;
            this.sae = sae;
        }

        /** The features of {@code sae}, loaded in this process. */
        public SaeEncoder(Sae sae) {
            this(sae.dir() == null ? null : sae.dir().toAbsolutePath().toString(), sae.name(), Double.NaN, sae.hook(), sae.dSae(),
                    describe(sae), sae);
        }

        /**
         * The features of the SAE in {@code dir} (named after the folder, as {@code sae load DIR} names it), not yet
         * bound: its configuration is read here (the SAE is loaded on the CPU and closed), its weights where it runs.
         *
         * @param normScale expected_average_only_in's factor, or NaN
         * @throws jlens.sae.SaeLoadException naming the file and the field
         */
        public static SaeEncoder at(Path dir, double normScale) {
            Path abs = dir.toAbsolutePath().normalize();
            String name = abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
            try (Sae read = Sae.load(abs, name, Device.cpu(), normScale)) {
                return new SaeEncoder(abs.toString(), name, normScale, read.hook(), read.dSae(), describe(read), null);
            }
        }

        private static String describe(Sae sae) {
            return "SAE features of " + sae.name() + " (" + sae.config().architecture().word() + " at " + sae.hook() + ")";
        }

        /** The same features bound to {@code loaded}, an SAE read from this one's folder (an executor's). */
        public SaeEncoder on(Sae loaded) {
            if (!loaded.hook().equals(hook) || loaded.dSae() != features) {
                throw new IllegalArgumentException("SAE " + loaded.name() + " is not the SAE of " + dir);
            }
            return new SaeEncoder(dir, name, normScale, hook, features, describe, loaded);
        }

        /** Loads this SAE from its folder onto {@code device} (an executor does it once and shares it: see {@link #on}). */
        public Sae load(Device device) {
            if (dir == null) {
                throw new IllegalStateException("SAE " + name + " was made in Java and has no folder to load it from");
            }
            return Sae.load(Path.of(dir), name, device, normScale);
        }

        /** Whether it holds a loaded SAE. */
        public boolean bound() {
            return sae != null;
        }

        /** The SAE's folder, where every executor reads it; null for one made in Java. */
        public String dir() {
            return dir;
        }

        @Override
        public String hook() {
            return hook;
        }

        @Override
        public int features(Gpt2Config config) {
            return features;
        }

        @Override
        public NDArray apply(NDArray activation) {
            if (sae == null) {
                throw new IllegalStateException("SAE " + name + " is not loaded here; bind it with on(Sae) first");
            }
            NDArray rows = sae.input(activation); // [B*T, D]
            return sae.encode(rows).acts(); // [B*T, F]
        }

        @Override
        public String describe() {
            return describe;
        }
    }
}
