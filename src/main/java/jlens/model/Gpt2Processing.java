package jlens.model;

import java.util.Locale;

/**
 * Which weights a model runs: Hugging Face's as they are (jlens's default, the notebook's numbers), or processed as
 * TransformerLens's {@code HookedTransformer.from_pretrained} processes them by default (SAEs for GPT-2 were trained on
 * that model). Processing changes no log-prob: logits move by a constant per position (see {@link TlProcessing}).
 */
public enum Gpt2Processing {
    /** The checkpoint's weights, unchanged. */
    NONE("none", "unprocessed weights"),
    /** fold_ln, center_writing_weights, center_unembed, fold_value_biases: TransformerLens's defaults. */
    TL("tl", "TransformerLens-processed weights (fold_ln, center_writing_weights, center_unembed, fold_value_biases)");

    private final String word;
    private final String describe;

    Gpt2Processing(String word, String describe) {
        this.word = word;
        this.describe = describe;
    }

    /** The word typed after {@code --process}. */
    public String word() {
        return word;
    }

    /** For a reader: {@code unprocessed weights}, {@code TransformerLens-processed weights (...)}. */
    public String describe() {
        return describe;
    }

    /**
     * {@code none} or {@code tl} (also {@code transformer_lens}, {@code transformerlens}).
     *
     * @throws IllegalArgumentException naming the accepted words
     */
    public static Gpt2Processing parse(String word) {
        String w = word == null ? "" : word.trim().toLowerCase(Locale.ROOT);
        return switch (w) {
            case "none", "hf", "raw" -> NONE;
            case "tl", "transformer_lens", "transformerlens" -> TL;
            default -> throw new IllegalArgumentException("unknown processing '" + word + "'; use --process tl"
                    + " (TransformerLens's fold_ln, center_writing_weights, center_unembed, fold_value_biases) or none");
        };
    }
}
