package jlens.sae;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An SAE's {@code cfg.json}, in either of SAELens's layouts, as jlens runs it. SAELens 6 (a {@code sae_lens_version} of 6
 * or more, top level or in {@code metadata}) names the {@code architecture} and keeps the model's side in
 * {@code metadata} ({@code hook_name}, {@code hook_head_index}, {@code model_name}, {@code prepend_bos}); an older file
 * is read as SAELens's {@code handle_pre_6_0_config} converts it: {@code hook_point} is the hook name,
 * {@code hook_point_head_index} the head, {@code activation_fn_str} the activation ({@code topk} with
 * {@code activation_fn_kwargs.k} makes a TopK SAE), a boolean {@code normalize_activations} is {@code none} or
 * {@code expected_average_only_in}, {@code prepend_bos} and {@code apply_b_dec_to_input} default to true, and a hook_z
 * hook reshapes. What jlens cannot honour is refused in one line naming the field.
 *
 * @param architecture how features are computed from the pre-activations
 * @param dIn the width the SAE reads (d_in)
 * @param dSae the number of features (d_sae)
 * @param k TopK's k (0 for other architectures)
 * @param rescaleActsByDecoderNorm TopK's rule that ranks pre-activations times each decoder row's norm
 * @param applyBDecToInput whether {@code b_dec} is subtracted from the input before encoding
 * @param normalize how the input is normalised before encoding (and the output scaled back)
 * @param normScalingFactor {@code expected_average_only_in}'s factor, from the file or the user; NaN when not known
 * @param reshapeHookZ whether a hook_z activation {@code [.., NH, HS]} is flattened to {@code [.., NH*HS]}
 * @param hookName the hook point it reads and, spliced in, replaces
 * @param hookHeadIndex the head it reads at a per-head hook point, or -1
 * @param modelName the model it was trained on, as named in the file, or null
 * @param prependBos whether its training texts began with the BOS token (true when the file does not say: SAELens's default)
 * @param contextSize the training context, or 0 when not given
 * @param pre6 whether the file is in the older layout
 * @param neuronpediaId the Neuronpedia id in the file, or null
 * @param processing what the file says of the model's weight processing ({@code model_from_pretrained_kwargs}):
 *     fold_ln, center_writing_weights, center_unembed, fold_value_biases as given; empty when it says nothing
 */
public record SaeConfig(Architecture architecture, int dIn, int dSae, int k, boolean rescaleActsByDecoderNorm,
                        boolean applyBDecToInput, Normalization normalize, double normScalingFactor, boolean reshapeHookZ,
                        String hookName, int hookHeadIndex, String modelName, boolean prependBos, int contextSize,
                        boolean pre6, String neuronpediaId, Map<String, Boolean> processing) {
    /** Bounds far above any SAE (Gemma Scope's widest is 1M features at width 3584) and below index overflow. */
    static final int MAX_D_IN = 1 << 16;
    static final int MAX_D_SAE = 1 << 24;

    /** The rule from pre-activations to features. */
    public enum Architecture {
        /** ReLU(pre). */
        STANDARD("standard"),
        /** ReLU(pre) where pre > threshold, else 0. */
        JUMPRELU("jumprelu"),
        /** The k largest pre-activations, ReLU, the rest 0. */
        TOPK("topk"),
        /** (pre_gate > 0) times ReLU(pre_mag), with W_enc scaled by exp(r_mag) for the magnitude. */
        GATED("gated"),
        /** Trained as BatchTopK; runs as JumpReLU with its learnt threshold (how SAELens saves it for inference). */
        BATCHTOPK("batchtopk");

        private final String word;

        Architecture(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    /** SAELens's {@code normalize_activations}. */
    public enum Normalization {
        NONE("none"),
        /** x times a fixed factor (Anthropic's April update); folded into the weights at load. */
        EXPECTED_AVERAGE_ONLY_IN("expected_average_only_in"),
        /** x scaled to norm sqrt(d_in) per token, the output scaled back. */
        CONSTANT_NORM_RESCALE("constant_norm_rescale"),
        /** x centred and divided by its (unbiased) std + 1e-5 per token, the output scaled and shifted back. */
        LAYER_NORM("layer_norm");

        private final String word;

        Normalization(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public SaeConfig {
        processing = Map.copyOf(processing);
    }

    /** The processing keys of {@code model_from_pretrained_kwargs} that jlens compares with the loaded model's. */
    static final List<String> PROCESSING_KEYS = List.of("fold_ln", "center_writing_weights", "center_unembed",
            "fold_value_biases");

    /**
     * Reads {@code cfg.json}.
     *
     * @param normScale {@code expected_average_only_in}'s factor when the user gives it, else NaN (the file's own
     *     {@code norm_scaling_factor} is used when present)
     * @throws SaeLoadException naming the file and the field
     */
    public static SaeConfig read(Path file, double normScale) {
        Map<String, Object> raw = SaeJson.readObject(file);
        Fields f = new Fields(file, raw, "");
        boolean pre6 = isPre6(f);
        return pre6 ? fromPre6(f, normScale) : fromV6(f, normScale);
    }

    private static boolean isPre6(Fields f) {
        Object version = f.raw.get("sae_lens_version");
        if (version == null && f.raw.get("metadata") instanceof Map<?, ?> meta) {
            version = meta.get("sae_lens_version");
        }
        if (version == null || version == SaeJson.NULL) {
            return true;
        }
        if (!(version instanceof String v) || !v.matches("\\d+(\\.\\d+)*([-.+][A-Za-z0-9.+-]*)?")) {
            throw f.fail("sae_lens_version", "must be a version such as \"6.5.1\", not " + f.describe(version));
        }
        String major = v.split("[.+-]")[0];
        return major.length() < 7 && Integer.parseInt(major) < 6;
    }

    /** SAELens 6: {@code architecture} at the top, the model's side in {@code metadata}. */
    private static SaeConfig fromV6(Fields f, double normScale) {
        Fields meta = f.object("metadata");
        Architecture arch = architecture(f, f.string("architecture", null));
        String hook = meta.string("hook_name", null);
        if (hook == null) {
            throw meta.fail("hook_name", "is missing: jlens needs the hook point the SAE reads");
        }
        return build(f, meta, arch, hook, meta.intOrNull("hook_head_index"), f.integer("k", arch == Architecture.TOPK
                || arch == Architecture.BATCHTOPK ? 100 : 0), normalization(f, f.raw.get("normalize_activations")), false,
                normScale);
    }

    /** The older layout, as {@code handle_pre_6_0_config} converts it. */
    private static SaeConfig fromPre6(Fields f, double normScale) {
        String hook = f.string("hook_point", null);
        if (hook == null) {
            hook = f.string("hook_name", null);
        }
        if (hook == null) {
            throw f.fail("hook_point", "is missing: jlens needs the hook point the SAE reads");
        }
        Integer head = f.raw.containsKey("hook_point_head_index") ? f.intOrNull("hook_point_head_index") : f.intOrNull("hook_head_index");
        String activation = f.string("activation_fn_str", f.string("activation_fn", "relu"));
        Architecture arch = architecture(f, f.string("architecture", "standard"));
        int k = 0;
        if (activation.equals("topk")) {
            Fields kwargs = f.object("activation_fn_kwargs");
            k = kwargs.integer("k", -1);
            if (k < 0) {
                throw f.fail("activation_fn_kwargs.k", "is missing: a topk activation needs k");
            }
            arch = Architecture.TOPK;
        } else if (!activation.equals("relu") && arch == Architecture.STANDARD) {
            throw f.fail("activation_fn_str", "is " + SaeText.quote(activation) + ", which jlens does not run (relu, or topk"
                    + " with activation_fn_kwargs.k)");
        } else if (arch == Architecture.TOPK) {
            k = f.integer("k", 100);
        }
        Object norm = f.raw.get("normalize_activations");
        if (norm instanceof Boolean b) {
            norm = b ? "expected_average_only_in" : "none";
        }
        return build(f, f, arch, hook, head, k, normalization(f, norm), true, normScale);
    }

    private static SaeConfig build(Fields f, Fields meta, Architecture arch, String hook, Integer head, int k,
                                   Normalization norm, boolean pre6, double normScale) {
        if (hook.length() > 200 || !hook.matches("[A-Za-z0-9_.]+")) {
            throw meta.fail(pre6 ? "hook_point" : "hook_name", "is " + SaeText.quote(hook) + ", not a hook name"
                    + " such as blocks.8.hook_resid_pre");
        }
        int dIn = f.integer("d_in", -1);
        int dSae = f.integer("d_sae", -1);
        if (dIn < 1 || dIn > MAX_D_IN) {
            throw f.fail("d_in", dIn < 0 && !f.raw.containsKey("d_in") ? "is missing" : "must be 1.." + MAX_D_IN);
        }
        if (dSae < 1 || dSae > MAX_D_SAE) {
            throw f.fail("d_sae", dSae < 0 && !f.raw.containsKey("d_sae") ? "is missing" : "must be 1.." + MAX_D_SAE);
        }
        if ((long) dIn * dSae > Integer.MAX_VALUE) {
            throw f.fail("d_sae", "times d_in is " + (long) dIn * dSae + " weights per matrix, more than one array holds ("
                    + Integer.MAX_VALUE + ")");
        }
        if ((arch == Architecture.TOPK) && (k < 1 || k > dSae)) {
            throw f.fail(pre6 ? "activation_fn_kwargs.k" : "k", "is " + k + "; TopK's k must be 1.." + dSae + " (d_sae)");
        }
        if (head != null && head < 0) {
            throw meta.fail(pre6 ? "hook_point_head_index" : "hook_head_index", "must be a head number from 0");
        }
        String reshape = f.string("reshape_activations", hook.endsWith("hook_z") && pre6 ? "hook_z" : "none");
        if (!reshape.equals("none") && !reshape.equals("hook_z")) {
            throw f.fail("reshape_activations", "is " + SaeText.quote(reshape) + "; jlens runs none or hook_z");
        }
        boolean reshapeZ = reshape.equals("hook_z");
        if (reshapeZ && !hook.endsWith("hook_z")) {
            throw f.fail("reshape_activations", "is hook_z but the hook is " + SaeText.quote(hook) + " (SAELens reshapes only"
                    + " hook_z)");
        }
        double scale = Double.isNaN(normScale) ? f.number("norm_scaling_factor", Double.NaN) : normScale;
        if (norm == Normalization.EXPECTED_AVERAGE_ONLY_IN && !(scale > 0 && Double.isFinite(scale))) {
            throw f.fail("normalize_activations", "is expected_average_only_in, whose scaling factor SAELens keeps in its"
                    + " release list, not in this folder; give it: sae load DIR --norm-scale S");
        }
        Map<String, Boolean> processing = new LinkedHashMap<>();
        Object kwargs = meta.raw.containsKey("model_from_pretrained_kwargs") ? meta.raw.get("model_from_pretrained_kwargs")
                : f.raw.get("model_from_pretrained_kwargs");
        if (kwargs instanceof Map<?, ?> kw) {
            for (String key : PROCESSING_KEYS) {
                if (kw.get(key) instanceof Boolean b) {
                    processing.put(key, b);
                }
            }
        }
        Object nid = meta.raw.getOrDefault("neuronpedia_id", f.raw.get("neuronpedia_id"));
        return new SaeConfig(arch, dIn, dSae, arch == Architecture.TOPK || arch == Architecture.BATCHTOPK ? k : 0,
                arch == Architecture.TOPK || arch == Architecture.BATCHTOPK ? f.bool("rescale_acts_by_decoder_norm",
                        arch == Architecture.BATCHTOPK) : false,
                f.bool("apply_b_dec_to_input", true), norm, norm == Normalization.EXPECTED_AVERAGE_ONLY_IN ? scale : Double.NaN,
                reshapeZ, hook, head == null ? -1 : head, meta.string("model_name", null), meta.bool("prepend_bos", true),
                Math.max(0, meta.integer("context_size", 0)), pre6, nid instanceof String s ? s : null, processing);
    }

    private static Architecture architecture(Fields f, String word) {
        if (word == null) {
            throw f.fail("architecture", "is missing (SAELens 6 files name it: standard, jumprelu, topk, gated)");
        }
        for (Architecture a : Architecture.values()) {
            if (a.word.equals(word)) {
                return a;
            }
        }
        throw f.fail("architecture", "is " + SaeText.quote(word) + ", which jlens does not run (standard, jumprelu, topk,"
                + " gated, batchtopk)");
    }

    private static Normalization normalization(Fields f, Object value) {
        if (value == null || value == SaeJson.NULL) {
            return Normalization.NONE;
        }
        if (value instanceof String s) {
            for (Normalization n : Normalization.values()) {
                if (n.word.equals(s)) {
                    return n;
                }
            }
        }
        throw f.fail("normalize_activations", "is " + f.describe(value) + "; SAELens's are none, expected_average_only_in,"
                + " constant_norm_rescale and layer_norm");
    }

    /** For a reader: {@code topk k=6 at blocks.2.hook_mlp_out, 64 features of 32}. */
    public String describe() {
        String kind = switch (architecture) {
            case TOPK -> "topk k=" + k;
            case BATCHTOPK -> "batchtopk (as jumprelu)";
            default -> architecture.word;
        };
        return kind + " at " + hookName + (hookHeadIndex >= 0 ? " head " + hookHeadIndex : "") + ", " + dSae
                + " features of " + dIn + (normalize == Normalization.NONE ? "" : ", " + normalize.word);
    }

    /** A JSON object's fields, with typed getters whose refusals name the field. */
    private record Fields(Path file, Map<String, Object> raw, String prefix) {
        SaeLoadException fail(String field, String problem) {
            return new SaeLoadException(file + ": field " + SaeText.quote(prefix + field) + " " + problem);
        }

        String describe(Object v) {
            if (v instanceof String s) {
                return "the text " + SaeText.quote(s);
            }
            if (v instanceof SaeJson.Num n) {
                return "the number " + SaeText.quote(n.literal());
            }
            if (v instanceof Map) {
                return "a JSON object";
            }
            if (v instanceof List) {
                return "a JSON array";
            }
            return String.valueOf(v);
        }

        String string(String key, String otherwise) {
            Object v = raw.get(key);
            if (v == null || v == SaeJson.NULL) {
                return otherwise;
            }
            if (!(v instanceof String s)) {
                throw fail(key, "must be a string, not " + describe(v));
            }
            return s;
        }

        boolean bool(String key, boolean otherwise) {
            Object v = raw.get(key);
            if (v == null || v == SaeJson.NULL) {
                return otherwise;
            }
            if (!(v instanceof Boolean b)) {
                throw fail(key, "must be true or false, not " + describe(v));
            }
            return b;
        }

        int integer(String key, int otherwise) {
            Integer v = intOrNull(key);
            return v == null ? otherwise : v;
        }

        Integer intOrNull(String key) {
            Object v = raw.get(key);
            if (v == null || v == SaeJson.NULL) {
                return null;
            }
            if (!(v instanceof SaeJson.Num n) || !n.isInteger() || n.literal().length() > 10
                    || Long.parseLong(n.literal()) > Integer.MAX_VALUE || Long.parseLong(n.literal()) < Integer.MIN_VALUE) {
                throw fail(key, "must be a whole number, not " + describe(v));
            }
            return Integer.parseInt(n.literal());
        }

        double number(String key, double otherwise) {
            Object v = raw.get(key);
            if (v == null || v == SaeJson.NULL) {
                return otherwise;
            }
            if (!(v instanceof SaeJson.Num n)) {
                throw fail(key, "must be a number, not " + describe(v));
            }
            return n.value();
        }

        Fields object(String key) {
            Object v = raw.get(key);
            if (v == null || v == SaeJson.NULL) {
                return new Fields(file, Map.of(), prefix + key + ".");
            }
            if (!(v instanceof Map<?, ?> m)) {
                throw fail(key, "must be a JSON object, not " + describe(v));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((a, b) -> out.put(String.valueOf(a), b));
            return new Fields(file, out, prefix + key + ".");
        }
    }
}
